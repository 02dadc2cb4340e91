/**
 * Docker's stdcopy framing for non-TTY streams: an 8-byte header (stream id, 3 zero bytes, uint32
 * big-endian length) then the payload. Chunks from the socket cut frames and headers anywhere, so
 * bytes are kept until a whole frame is there.
 */

export type StreamName = "stdin" | "stdout" | "stderr";

export interface Frame {
  stream: StreamName;
  payload: Buffer;
}

const headerSize = 8;
const streamNames: Record<number, StreamName> = { 0: "stdin", 1: "stdout", 2: "stderr" };

/** Thrown when bytes do not look like stdcopy frames (e.g. a TTY stream read as multiplexed). */
export class FrameError extends Error {
  override readonly name = "FrameError";
}

export class FrameDemuxer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds a chunk and returns every frame it completes, in order. */
  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (let frame = this.next(); frame; frame = this.next()) frames.push(frame);
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for their rest. */
  get pending(): number {
    return this.buffered;
  }

  private next(): Frame | undefined {
    if (this.buffered < headerSize) return undefined;
    const header = this.peek(headerSize);
    const stream = streamNames[header[0] ?? -1];
    if (!stream || header[1] !== 0 || header[2] !== 0 || header[3] !== 0) {
      throw new FrameError(`not a multiplexed stream (header ${header.toString("hex")})`);
    }
    const length = header.readUInt32BE(4);
    if (this.buffered < headerSize + length) return undefined;
    this.take(headerSize);
    return { stream, payload: this.take(length) };
  }

  /** The first n buffered bytes, joining chunks only when a header straddles them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks, this.buffered).subarray(0, n);
  }

  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first && first.length >= n) {
      this.chunks[0] = first.subarray(n);
      if (first.length === n) this.chunks.shift();
      return first.subarray(0, n);
    }
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const chunk = this.chunks[0] as Buffer;
      if (chunk.length <= left) {
        parts.push(chunk);
        this.chunks.shift();
        left -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, left));
        this.chunks[0] = chunk.subarray(left);
        left = 0;
      }
    }
    return Buffer.concat(parts, n);
  }
}

/** Encodes one frame; used by tests and by anything that replays output in Docker's framing. */
export function encodeFrame(stream: StreamName, payload: Buffer): Buffer {
  const header = Buffer.alloc(headerSize);
  header[0] = stream === "stdin" ? 0 : stream === "stdout" ? 1 : 2;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
