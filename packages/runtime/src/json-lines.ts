/** The Engine's progress streams (pull, push, build, import, load): one JSON object per line. */
import type { Readable } from "node:stream";
import { RuntimeError } from "./errors.ts";

export interface EngineMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

/** Yields each JSON message as it arrives; lines may be split across chunks. */
export async function* jsonLines(stream: Readable): AsyncGenerator<EngineMessage> {
  let pending = "";
  for await (const chunk of stream) {
    pending += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) yield parse(line);
      newline = pending.indexOf("\n");
    }
  }
  if (pending.trim()) yield parse(pending.trim());
}

function parse(line: string): EngineMessage {
  try {
    return JSON.parse(line) as EngineMessage;
  } catch {
    throw new RuntimeError("engine", `unreadable Engine progress line: ${line.slice(0, 200)}`);
  }
}

/** The failure the Engine reports in-band (HTTP 200 with an `error` message), if any. */
export function messageError(message: EngineMessage): string | undefined {
  return message.errorDetail?.message ?? message.error;
}
