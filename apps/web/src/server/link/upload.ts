/**
 * Uploads over the link: bytes sent into a stream that takes input (`image.load`), paced by the
 * agent's credits. The agent queues at most 256 messages of a stream's input and drops the rest, so
 * the console keeps only a few pieces beyond what the agent says it took (`received`) in flight.
 */
import { createHash } from "node:crypto";
import type { StreamInput } from "@dockfleet/protocol";

/** The console's end of an upload: a LinkStream of `image.load`, or anything shaped like it. */
export interface UploadStream<R> extends AsyncIterable<{ items: { received: number }[] }> {
  /** Settles when the stream ends, with the agent's answer or its error. */
  readonly result: Promise<R>;
  send(input: StreamInput<"image.load">): void;
  cancel(): void;
}

export interface UploadOptions {
  /** Pieces sent that the agent has not yet counted in `received`, at most (default 4). */
  window?: number;
  /** Bytes per piece (default: 256 KiB, the most the protocol takes in one). */
  pieceBytes?: number;
}

const defaultPieceBytes = 256 * 1024;

/** The source's bytes cut into pieces of `size` (the last one shorter), whatever sizes it comes in. */
async function* inPieces(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const buffer of source) {
    pending = pending.length === 0 ? buffer : Buffer.concat([pending, buffer]);
    while (pending.length >= size) {
      yield pending.subarray(0, size);
      pending = pending.subarray(size);
    }
  }
  if (pending.length > 0) yield pending;
}

/**
 * Sends `source` into the stream in pieces, each only while fewer than `window` pieces are
 * unacknowledged by the agent's `received`, then `end` with the sha256 of all of them. Resolves
 * with the stream's result; fails with its error (sending stops as soon as the stream ended), or
 * with the source's (the stream is cancelled then).
 */
export async function uploadThroughStream<R>(
  stream: UploadStream<R>,
  source: AsyncIterable<Buffer>,
  options: UploadOptions = {},
): Promise<R> {
  const window = options.window ?? 4;
  const pieceBytes = options.pieceBytes ?? defaultPieceBytes;
  let received = 0;
  let streamEnded = false;
  let wakeSender: (() => void) | undefined;
  const credits = (async () => {
    try {
      for await (const chunk of stream) {
        for (const item of chunk.items) received = Math.max(received, item.received);
        wakeSender?.();
      }
    } catch {
      // The stream's error is its result's: awaited below.
    } finally {
      streamEnded = true;
      wakeSender?.();
    }
  })();

  /** Where each piece sent and not yet counted by the agent ends, in bytes from the start. */
  const unacknowledged: number[] = [];
  const roomInWindow = () => {
    while (unacknowledged.length > 0 && (unacknowledged[0] as number) <= received) unacknowledged.shift();
    return unacknowledged.length < window;
  };
  const hash = createHash("sha256");
  let sent = 0;
  try {
    for await (const piece of inPieces(source, pieceBytes)) {
      while (!streamEnded && !roomInWindow()) {
        await new Promise<void>((resolve) => {
          wakeSender = resolve;
        });
      }
      if (streamEnded) break;
      hash.update(piece);
      sent += piece.length;
      unacknowledged.push(sent);
      stream.send({ kind: "data", data: piece });
    }
    if (!streamEnded) stream.send({ kind: "end", sha256: hash.digest("hex") });
  } catch (error) {
    stream.cancel();
    await credits;
    throw error;
  }
  await credits;
  return stream.result;
}
