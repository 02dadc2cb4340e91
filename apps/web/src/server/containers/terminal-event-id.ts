/**
 * A terminal event's server-sent event id: `<sessionId>:<offset>`, the session and how many of its
 * output bytes the browser has after that event. httpSubscriptionLink sends the last one back when
 * it reconnects (as `lastEventId`), which is all a reattach needs: which shell, and from where.
 */
import { z } from "zod";
import { parseEventId } from "./event-id.ts";

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

export function parseTerminalEventId(id: string): TerminalPosition {
  return parseEventId(TerminalEventIdSchema, id, "a terminal position");
}
