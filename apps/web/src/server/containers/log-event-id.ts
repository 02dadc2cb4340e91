/**
 * A log line's server-sent event id: the log cursor after that line, as `<timestamp>~<lines at it>`.
 * The browser's EventSource hands the last id back when it reconnects (tRPC puts it in the input as
 * `lastEventId`), so a follow continues right after the last line the browser got.
 */
import { type LogCursor, LogCursorSchema, timestampToNanos } from "@dockfleet/runtime";
import { z } from "zod";
import { parseEventId } from "./event-id.ts";

const separator = "~";

export function logEventId(cursor: LogCursor): string {
  return `${cursor.timestamp}${separator}${cursor.linesAtTimestamp}`;
}

const LogEventIdSchema = z
  .string()
  .max(100, "is too long")
  .regex(/^[^~]+~\d+$/, "is not `<timestamp>~<lines at it>`")
  .transform((id) => {
    const at = id.lastIndexOf(separator);
    return { timestamp: id.slice(0, at), linesAtTimestamp: Number(id.slice(at + 1)) };
  })
  .pipe(LogCursorSchema)
  // The RFC 3339 shape alone lets a month 13 through, which the Engine's reader would trip on.
  .refine((cursor) => isRealTime(cursor.timestamp), "names no real time");

function isRealTime(timestamp: string): boolean {
  try {
    timestampToNanos(timestamp);
    return true;
  } catch {
    return false;
  }
}

export function parseLogEventId(id: string): LogCursor {
  return parseEventId(LogEventIdSchema, id, "a log position");
}
