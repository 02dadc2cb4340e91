/** Compression and hashing of archives on the fly: what the backup job stores and restore checks. */
import { createHash, type Hash } from "node:crypto";
import { type Readable, Transform, type TransformCallback, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ParallelGzip } from "./archive-gzip.ts";

export interface Digest {
  /** Lowercase hex sha256 of the bytes that passed. */
  sha256: string;
  bytes: number;
}

/** A pass-through that hashes and counts what flows through it; `digest()` is final once it has flushed. */
export class HashTap extends Transform {
  private readonly hash: Hash = createHash("sha256");
  private count = 0;
  private result: Digest | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.result = { sha256: this.hash.digest("hex"), bytes: this.count };
    done();
  }

  /** Bytes seen so far, e.g. for progress. */
  get bytes(): number {
    return this.count;
  }

  digest(): Digest {
    if (!this.result) throw new Error("HashTap.digest() called before the stream ended");
    return this.result;
  }
}

export interface GzipDigest {
  /** Digest of the gzip bytes written to the sink (what is stored). */
  gzip: Digest;
  /** Digest of the uncompressed input (the tar). */
  input: Digest;
}

/**
 * Streams `source` through gzip into `sink`, hashing both sides on the way; resolves once the
 * sink has finished. Nothing is held in memory beyond the streams' buffers and a few 1 MiB blocks
 * being compressed (multi-member gzip, see archive-gzip.ts).

 */
export async function gzipAndHash(
  source: Readable,
  sink: Writable,
  options: { level?: number; concurrency?: number; signal?: AbortSignal } = {},
): Promise<GzipDigest> {
  const input = new HashTap();
  const output = new HashTap();
  // Level 6 is gzip's own default; tar -cz uses it too, so the bench compares like with like.
  const gzip = new ParallelGzip({ level: options.level ?? 6, concurrency: options.concurrency });
  await pipeline(source, input, gzip, output, sink, { signal: options.signal });
  return { gzip: output.digest(), input: input.digest() };
}

/** Reads a stream to its end and returns its digest (the verify pass before a restore). */
export async function hashStream(source: Readable, signal?: AbortSignal): Promise<Digest> {
  const tap = new HashTap();
  await pipeline(
    source,
    tap,
    async (chunks: AsyncIterable<Buffer>) => {
      for await (const _ of chunks) {
        // Drain: only the digest matters.
      }
    },
    { signal },
  );
  return tap.digest();
}
