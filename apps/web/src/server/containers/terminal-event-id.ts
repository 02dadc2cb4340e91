/**
 * A terminal event's server-sent event id: `<sessionId>:<offset>`, the session and how many of its
 * output bytes the browser has after that event. httpSubscriptionLink sends the last one back when
 * it reconnects (as `lastEventId`), which is all a reattach needs: which shell, and from where.
 */
import { z } from "zod";
import { DomainError } from "../errors.ts";

export interface TerminalPosition {
  sessionId: string;
  offset: number;
}

export function terminalEventId(position: TerminalPosition): string {
  return `${position.sessionId}:${position.offset}`;
}

const TerminalEventIdSchema = z
  .string()
  .max(100, "is too long")
  .regex(/^[^:]+:\d{1,15}$/, "is not `<session id>:<byte offset>`")
  .transform((id) => {
    const at = id.lastIndexOf(":");
    return { sessionId: id.slice(0, at), offset: Number(id.slice(at + 1)) };
  })
  .pipe(z.object({ sessionId: z.uuid("names no terminal session"), offset: z.number().int().min(0) }));

/** The position an event id names; an id this console did not hand out is the caller's mistake. */
export function parseTerminalEventId(id: string): TerminalPosition {
  const parsed = TerminalEventIdSchema.safeParse(id);
  if (parsed.success) return parsed.data;
  const reason = parsed.error.issues.map((issue) => issue.message).join("; ");
  // Quoted with JSON.stringify: the id comes from the client and may hold anything.
  throw new DomainError(
    "invalid",
    `lastEventId ${JSON.stringify(id.slice(0, 100))} is not a terminal position: ${reason}`,
  );
}
