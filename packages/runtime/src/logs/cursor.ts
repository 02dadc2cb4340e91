/**
 * Where a log reader stopped: the last delivered timestamp and how many lines carried it. The Engine's
 * `since` keeps lines AT that time, so a resume from the cursor skips exactly the ones already sent.
 */
import { timestampToNanos } from "./timestamps.ts";

export interface LogCursor {
  /** The timestamp of the last delivered line (RFC 3339, nanoseconds). */
  timestamp: string;
  /** Lines already delivered with exactly that timestamp (usually 1). */
  linesAtTimestamp: number;
}

/** The cursor after delivering one more line with `timestamp`. */
export function advanceCursor(cursor: LogCursor | undefined, timestamp: string): LogCursor {
  if (cursor && cursor.timestamp === timestamp) {
    return { timestamp, linesAtTimestamp: cursor.linesAtTimestamp + 1 };
  }
  return { timestamp, linesAtTimestamp: 1 };
}

/**
 * Decides, line by line, what a resumed read must drop: lines older than the cursor and the first
 * `linesAtTimestamp` lines at the cursor's time. Once a newer line passes, everything passes.
 */
export class ResumeFilter {
  private readonly at: bigint | undefined;
  private skipLeft: number;
  private passed: boolean;

  constructor(cursor: LogCursor | undefined) {
    this.at = cursor ? timestampToNanos(cursor.timestamp) : undefined;
    this.skipLeft = cursor?.linesAtTimestamp ?? 0;
    this.passed = cursor === undefined;
  }

  accept(timestamp: string): boolean {
    if (this.passed || this.at === undefined) return true;
    const nanos = timestampToNanos(timestamp);
    if (nanos < this.at) return false;
    if (nanos === this.at && this.skipLeft > 0) {
      this.skipLeft -= 1;
      return false;
    }
    this.passed = true;
    return true;
  }
}
