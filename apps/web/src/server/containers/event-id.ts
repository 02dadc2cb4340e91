/**
 * Server-sent event ids the browser hands back on reconnect (`lastEventId`): each stream says where
 * its reader stands in its own format, and reads it back through here.
 */
import type { z } from "zod";
import { DomainError } from "../errors.ts";

/** The position an event id names; an id this console did not hand out is the caller's mistake. */
export function parseEventId<T>(schema: z.ZodType<T, string>, id: string, what: string): T {
  const parsed = schema.safeParse(id);
  if (parsed.success) return parsed.data;
  const reason = parsed.error.issues.map((issue) => issue.message).join("; ");
  // Quoted with JSON.stringify: the id comes from the client and may hold anything.
  throw new DomainError(
    "invalid",
    `lastEventId ${JSON.stringify(id.slice(0, 100))} is not ${what}: ${reason}`,
  );
}
