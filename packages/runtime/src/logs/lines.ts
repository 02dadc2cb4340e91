/**
 * Turns Engine log output (requested with `timestamps=1`) into lines. Every log message arrives as
 * "<RFC3339Nano> <text>"; a message longer than the log driver's buffer (16 KiB) arrives in pieces
 * that share one timestamp and only the last ends with "\n", so pieces are joined back into one line.
 */
import type { Frame } from "./demux.ts";
import { normalizeTimestamp } from "./timestamps.ts";

export type OutputStream = "stdout" | "stderr";

export interface ParsedLine {
  stream: OutputStream;
  timestamp: string;
  line: string;
}

const newline = 0x0a;
const space = 0x20;
// Docker's fixed form: 2006-01-02T15:04:05.000000000Z
const fixedLength = 30;

/** Splits "<timestamp> <text>" into its parts; text is undefined when there is no timestamp. */
export function splitTimestamp(bytes: Buffer): { timestamp: string; text: Buffer } | undefined {
  const gap = bytes.indexOf(space);
  if (gap < 20 || gap > 40) return undefined;
  const raw = bytes.toString("latin1", 0, gap);
  const timestamp = raw.length === fixedLength && raw.endsWith("Z") ? raw : safeNormalize(raw);
  return timestamp ? { timestamp, text: bytes.subarray(gap + 1) } : undefined;
}

function safeNormalize(raw: string): string | undefined {
  try {
    return normalizeTimestamp(raw);
  } catch {
    return undefined;
  }
}

function textOf(parts: Buffer[], stripCarriageReturn: boolean): string {
  const text = (parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)).toString("utf8");
  return stripCarriageReturn && text.endsWith("\r") ? text.slice(0, -1) : text;
}

interface Pending {
  timestamp: string;
  parts: Buffer[];
}

/** Lines of a multiplexed (non-TTY) log stream, one frame at a time. */
export class FrameLineParser {
  private readonly pending: Partial<Record<OutputStream, Pending>> = {};

  push(frame: Frame): ParsedLine[] {
    if (frame.stream === "stdin") return [];
    const stream = frame.stream;
    const lines: ParsedLine[] = [];
    let rest = frame.payload;
    while (rest.length > 0) {
      const end = rest.indexOf(newline);
      const piece = end === -1 ? rest : rest.subarray(0, end);
      rest = end === -1 ? Buffer.alloc(0) : rest.subarray(end + 1);
      this.addPiece(stream, piece, end !== -1, lines);
    }
    return lines;
  }

  /** Whatever is left when the stream ends: a last piece without its newline. */
  flush(): ParsedLine[] {
    const lines: ParsedLine[] = [];
    for (const stream of ["stdout", "stderr"] as const) this.finish(stream, lines);
    return lines;
  }

  private addPiece(stream: OutputStream, piece: Buffer, complete: boolean, out: ParsedLine[]): void {
    const open = this.pending[stream];
    const split = splitTimestamp(piece);
    if (open && (!split || split.timestamp === open.timestamp)) {
      // A continuation repeats the timestamp of the first piece; only its text counts.
      open.parts.push(split ? split.text : piece);
    } else if (split) {
      // A new message while a piece was open: the open one was cut short, deliver it as it is.
      this.finish(stream, out);
      this.pending[stream] = { timestamp: split.timestamp, parts: [split.text] };
    } else {
      return; // bytes without a timestamp are not a log message
    }
    if (complete) this.finish(stream, out);
  }

  private finish(stream: OutputStream, out: ParsedLine[]): void {
    const open = this.pending[stream];
    if (!open) return;
    delete this.pending[stream];
    out.push({ stream, timestamp: open.timestamp, line: textOf(open.parts, false) });
  }
}

/** Lines of a TTY container's log: one raw stream (all stdout), CRLF line ends, any chunking. */
export class RawLineParser {
  private parts: Buffer[] = [];

  push(chunk: Buffer): ParsedLine[] {
    const lines: ParsedLine[] = [];
    let rest = chunk;
    for (let end = rest.indexOf(newline); end !== -1; end = rest.indexOf(newline)) {
      this.parts.push(rest.subarray(0, end));
      rest = rest.subarray(end + 1);
      const line = this.take();
      if (line) lines.push(line);
    }
    if (rest.length > 0) this.parts.push(rest);
    return lines;
  }

  flush(): ParsedLine[] {
    const line = this.parts.length > 0 ? this.take() : undefined;
    return line ? [line] : [];
  }

  private take(): ParsedLine | undefined {
    const whole = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    this.parts = [];
    const split = splitTimestamp(whole);
    if (!split) return undefined;
    return { stream: "stdout", timestamp: split.timestamp, line: textOf([split.text], true) };
  }
}
