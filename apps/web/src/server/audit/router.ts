/** The audit log: read-only through the API (there is no update or delete path). */
import { fleetProcedure, router } from "../trpc.ts";
import { auditPage } from "./query.ts";
import { AuditPageInput } from "./schema.ts";
import { verifyAuditChain } from "./service.ts";

export const auditRouter = router({
  list: fleetProcedure("audit:view")
    .input(AuditPageInput)
    .query(({ ctx, input }) => auditPage(ctx.db, input)),
  verify: fleetProcedure("audit:view").query(({ ctx }) => verifyAuditChain(ctx.db)),
});
