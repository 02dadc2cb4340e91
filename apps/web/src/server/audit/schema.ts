/** Filters of the audit log, shared by the page, the API and the CSV export. */
import { z } from "zod";

export const AuditFilter = z.object({
  action: z.string().trim().max(100).optional(),
  actor: z.string().trim().max(254).optional(),
  result: z.enum(["ok", "denied", "error"]).optional(),
  hostId: z.string().min(1).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});
export type AuditFilter = z.infer<typeof AuditFilter>;

export const AuditPageInput = AuditFilter.extend({
  /** The id of the last record of the previous page (records come newest first). */
  cursor: z.string().regex(/^\d+$/).optional(),
  limit: z.number().int().min(1).max(500).default(100),
});
