import { buffer } from "node:stream/consumers";
import { constants, gunzipSync, gzipSync } from "node:zlib";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { isRuntimeError } from "./errors.ts";
import { wholeArchive } from "./image-archive-check.ts";
import { TarWalker } from "./tar-walker.ts";

/** A tar of a few files, with random content so gzip cannot shrink it to nothing. */
async function sampleArchive(): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, size] of [
    ["manifest.json", 300],
    ["blobs/layer", 70_000],
    ["index.json", 200],
  ] as const) {
    pack.entry({ name }, Buffer.from(Array.from({ length: size }, (_, i) => (i * 7919) % 251)));
  }
  pack.finalize();
  return buffer(pack);
}

async function* inPieces(bytes: Buffer, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** What went out before the stream ended or failed, and how it failed. */
async function passed(bytes: Buffer, pieceBytes = 4096): Promise<{ out: Buffer; error?: Error }> {
  const out: Buffer[] = [];
  try {
    for await (const chunk of wholeArchive(inPieces(bytes, pieceBytes))) out.push(chunk as Buffer);
    return { out: Buffer.concat(out) };
  } catch (error) {
    return { out: Buffer.concat(out), error: error as Error };
  }
}

const refusal = (reason: string) => `load images: not a whole tar archive: ${reason}; nothing was loaded`;

/** Whether bytes (a tar, or a gzip stream's decodable part) already hold the end-of-archive marker. */
function reachesMarker(tarBytes: Buffer): boolean {
  const walker = new TarWalker();
  walker.push(tarBytes);
  return walker.endAt !== undefined;
}

describe("an image archive on its way to the Engine", () => {
  it("passes a whole tar through unchanged", async () => {
    const archive = await sampleArchive();
    for (const pieceBytes of [archive.length, 4096, 333]) {
      const { out, error } = await passed(archive, pieceBytes);
      expect(error).toBeUndefined();
      expect(out.equals(archive)).toBe(true);
    }
  });

  it("refuses a tar cut at a file boundary, naming why, with a typed invalid_spec", async () => {
    const archive = await sampleArchive();
    const cut = archive.subarray(0, 512 + 512); // manifest.json's header and data: a file boundary
    const { out, error } = await passed(cut);
    expect(isRuntimeError(error, "invalid_spec")).toBe(true);
    expect(error?.message).toBe(refusal('no end-of-archive marker (the last entry was "manifest.json")'));
    expect(out.equals(cut)).toBe(true);
  });

  it("never lets the marker out before the source ended whole", async () => {
    const archive = await sampleArchive();
    const { out, error } = await passed(Buffer.concat([archive, Buffer.from("junk")]), 1000);
    expect(error?.message).toBe(refusal(`data after the end-of-archive marker at offset ${archive.length}`));
    // Pieces of 1000 bytes split its first zero block: part of it went out, never the whole.
    expect(out.length).toBeGreaterThan(archive.length - 1024);
    expect(out.equals(archive.subarray(0, out.length))).toBe(true);
    expect(reachesMarker(out)).toBe(false);
  });

  it("drops zero padding after the marker: the Engine needs the marker only", async () => {
    const archive = await sampleArchive();
    const { out, error } = await passed(Buffer.concat([archive, Buffer.alloc(8192)]));
    expect(error).toBeUndefined();
    expect(out.equals(archive)).toBe(true);
  });

  it("checks a gzip-compressed tar as it inflates and passes its compressed bytes through", async () => {
    const archive = await sampleArchive();
    const compressed = gzipSync(archive);
    const { out, error } = await passed(compressed, 1000);
    expect(error).toBeUndefined();
    expect(out.equals(compressed)).toBe(true);

    const cutTar = await passed(gzipSync(archive.subarray(0, 1024)), 100);
    expect(cutTar.error?.message).toBe(
      refusal('no end-of-archive marker (the last entry was "manifest.json")'),
    );

    const cutGzip = await passed(compressed.subarray(0, compressed.length - 10), 1000);
    expect(cutGzip.error?.message).toBe(
      refusal("its gzip stream is damaged or ends early (unexpected end of file)"),
    );
  });

  it("holds back the gzip pieces that carry the marker until the end proved whole", async () => {
    const archive = await sampleArchive();
    const compressed = gzipSync(Buffer.concat([archive, Buffer.from("junk")]));
    const { out, error } = await passed(compressed, 64);
    expect(error?.message).toBe(refusal(`data after the end-of-archive marker at offset ${archive.length}`));
    const decodable = gunzipSync(out, { finishFlush: constants.Z_SYNC_FLUSH });
    expect(decodable.length).toBeGreaterThan(70_000);
    expect(reachesMarker(decodable)).toBe(false);
  });

  it("refuses compressions it cannot check, naming them", async () => {
    const xz = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]);
    const { out, error } = await passed(xz);
    expect(isRuntimeError(error, "invalid_spec")).toBe(true);
    expect(error?.message).toMatch(
      /^load images: the archive is xz-compressed, which cannot be checked whole/,
    );
    expect(out.length).toBe(0);
  });
});
