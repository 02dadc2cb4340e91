import { createHash, randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";

import { gunzipSync } from "node:zlib";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { gzipAndHash, hashStream } from "./archive-digest.ts";
import { ParallelGzip } from "./archive-gzip.ts";
import { RootEntryTap } from "./archive-root.ts";
import { parseGoTime } from "./volume-clear.ts";

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

function collect(): { sink: Writable; data: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { sink, data: () => Buffer.concat(chunks) };
}

/** Splits data into uneven chunks, as sockets do. */
function chunked(data: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let at = 0, size = 1; at < data.length; at += size, size = (size * 7) % 65_537) {
    parts.push(data.subarray(at, at + size));
  }
  return Readable.from(parts);
}

describe("gzipAndHash", () => {
  it("gzips and hashes both sides on the fly", async () => {
    const input = Buffer.concat([randomBytes(300_000), Buffer.alloc(500_000, "a")]);
    const { sink, data } = collect();
    const digest = await gzipAndHash(chunked(input), sink);
    expect(gunzipSync(data()).equals(input)).toBe(true);
    expect(digest.input).toEqual({ sha256: sha(input), bytes: input.length });
    expect(digest.gzip).toEqual({ sha256: sha(data()), bytes: data().length });
    expect(digest.gzip.bytes).toBeLessThan(input.length);
  });

  it("fails when the sink fails", async () => {
    const sink = new Writable({ write: (_c, _e, done) => done(new Error("disk full")) });
    await expect(gzipAndHash(Readable.from([Buffer.alloc(10)]), sink)).rejects.toThrow("disk full");
  });
});

describe("ParallelGzip", () => {
  it("writes multi-member gzip that gunzips to the input, in order, also when empty", async () => {
    const input = Buffer.concat([randomBytes(700_000), Buffer.alloc(2_500_000, "b"), randomBytes(123)]);
    for (const [blockSize, concurrency] of [
      [64 * 1024, 1],
      [100_000, 3],
      [1024 * 1024, 2],
    ] as const) {
      const { sink, data } = collect();
      await pipeline(chunked(input), new ParallelGzip({ blockSize, concurrency }), sink);
      expect(gunzipSync(data()).equals(input)).toBe(true);
    }
    const { sink, data } = collect();
    await pipeline(Readable.from([]), new ParallelGzip(), sink);
    expect(gunzipSync(data()).length).toBe(0);
  });
});

describe("hashStream", () => {
  it("hashes what it reads", async () => {
    const data = randomBytes(100_000);
    await expect(hashStream(chunked(data))).resolves.toEqual({ sha256: sha(data), bytes: data.length });
  });
});

async function tarOf(
  entries: Array<{ name: string; type?: "directory" | "file"; mode?: number; uid?: number }>,
) {
  const pack = tar.pack();
  for (const e of entries)
    pack.entry({ name: e.name, type: e.type ?? "file", mode: e.mode, uid: e.uid, gid: 0 }, "");
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function through(tap: RootEntryTap, data: Buffer): Promise<Buffer> {
  const { sink, data: out } = collect();
  await new Promise<void>((resolve, reject) => {
    chunked(data).pipe(tap).pipe(sink).on("finish", resolve).on("error", reject);
  });
  return out();
}

describe("RootEntryTap", () => {
  it("remembers a root entry and passes the tar through unchanged", async () => {
    const data = await tarOf([
      { name: "./", type: "directory", mode: 0o700, uid: 999 },
      { name: "./a", mode: 0o644 },
    ]);
    const tap = new RootEntryTap();
    expect((await through(tap, data)).equals(data)).toBe(true);
    expect(tap.root).toMatchObject({ mode: 0o700, uid: 999, gid: 0 });
  });

  it("ignores archives whose first entry is not the root, and non-tars", async () => {
    const tap = new RootEntryTap();
    await through(tap, await tarOf([{ name: "a" }, { name: "./", type: "directory" }]));
    expect(tap.root).toBeUndefined();
    const junk = new RootEntryTap();
    const bytes = randomBytes(5000);
    expect((await through(junk, bytes)).equals(bytes)).toBe(true);
    expect(junk.root).toBeUndefined();
  });
});

describe("parseGoTime", () => {
  it("reads Go's RFC 3339 with nanoseconds into epoch nanoseconds", () => {
    expect(parseGoTime("2026-11-23T07:20:41.244816277Z")).toBe(1795418441244816277n);
    expect(parseGoTime("1970-01-01T00:00:01Z")).toBe(1_000_000_000n);
    expect(parseGoTime("1970-01-01T01:00:01.5+01:00")).toBe(1_500_000_000n);
    expect(parseGoTime("yesterday")).toBeUndefined();
  });
});
