/** GET /api/audit.csv?<filters>: the audit log as CSV, for the same permission as the page. */
import type { ServerResponse } from "node:http";
import { isAllowed } from "../access/policy.ts";
import { sendError } from "../http/respond.ts";
import type { Context } from "../trpc.ts";
import { auditActor } from "./from-request.ts";
import { auditCsv } from "./query.ts";
import { AuditFilter } from "./schema.ts";
import { recordAudit } from "./service.ts";

export async function serveAuditCsv(ctx: Context, url: URL, res: ServerResponse): Promise<void> {
  if (!ctx.actor) return sendError(res, 401, "UNAUTHORIZED", "sign in first");
  if (!isAllowed(ctx.actor.grants, "audit:view", { kind: "fleet" })) {
    await recordAudit(ctx.db, {
      actor: auditActor(ctx.actor),
      action: "audit.export",
      result: "denied",
      detail: { requires: "audit:view" },
      ip: ctx.request.ip,
    });
    return sendError(res, 403, "FORBIDDEN", "you lack audit:view on the fleet");
  }
  const filter = AuditFilter.safeParse(Object.fromEntries(url.searchParams));
  if (!filter.success) {
    return sendError(res, 400, "BAD_REQUEST", filter.error.issues[0]?.message ?? "invalid filter");
  }
  res.writeHead(200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="dockfleet-audit-${new Date().toISOString().slice(0, 10)}.csv"`,
    "Cache-Control": "no-store",
  });
  for await (const line of auditCsv(ctx.db, filter.data)) {
    if (!res.write(line)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}
