/** Reading the audit log: filtered pages (newest first) and the CSV export. */
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import type { AuditFilter } from "./schema.ts";

function where(filter: AuditFilter): Prisma.AuditEventWhereInput {
  return {
    ...(filter.action ? { action: { contains: filter.action, mode: "insensitive" } } : {}),
    ...(filter.actor ? { actorName: { contains: filter.actor, mode: "insensitive" } } : {}),
    ...(filter.result ? { result: filter.result } : {}),
    ...(filter.hostId ? { hostId: filter.hostId } : {}),
    ...(filter.from || filter.to ? { at: { gte: filter.from, lte: filter.to } } : {}),
  };
}

const columns = {
  id: true,
  at: true,
  actorType: true,
  actorName: true,
  action: true,
  targetType: true,
  targetId: true,
  hostId: true,
  result: true,
  detail: true,
  ip: true,
} as const;

export async function auditPage(db: PrismaClient, input: AuditFilter & { cursor?: string; limit: number }) {
  const rows = await db.auditEvent.findMany({
    where: { ...where(input), ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}) },
    orderBy: { id: "desc" },
    take: input.limit + 1,
    select: columns,
  });
  const page = rows.slice(0, input.limit).map((row) => ({ ...row, id: row.id.toString() }));
  return { events: page, nextCursor: rows.length > input.limit ? page.at(-1)?.id : undefined };
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  // Quote always; neutralise spreadsheet formulas (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
}

const csvHeader = [
  "id",
  "at",
  "actorType",
  "actor",
  "action",
  "targetType",
  "targetId",
  "hostId",
  "result",
  "ip",
  "detail",
];

/** Streams the filtered log as CSV lines, oldest first, in batches. */
export async function* auditCsv(db: PrismaClient, filter: AuditFilter): AsyncGenerator<string> {
  yield `${csvHeader.join(",")}\n`;
  let cursor: bigint | undefined;
  for (;;) {
    const rows = await db.auditEvent.findMany({
      where: { ...where(filter), ...(cursor !== undefined ? { id: { gt: cursor } } : {}) },
      orderBy: { id: "asc" },
      take: 1000,
      select: columns,
    });
    for (const row of rows) {
      const cells = [row.id, row.at, row.actorType, row.actorName, row.action, row.targetType, row.targetId];
      yield `${[...cells, row.hostId, row.result, row.ip, row.detail].map(csvCell).join(",")}\n`;
    }
    if (rows.length < 1000) return;
    cursor = rows.at(-1)?.id;
  }
}
