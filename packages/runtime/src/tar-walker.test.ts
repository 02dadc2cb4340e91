import { buffer } from "node:stream/consumers";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { TarStructureError, TarWalker } from "./tar-walker.ts";

/** A real tar (tar-stream's writer): a directory and files of 1000, 512 and 0 bytes. */
async function sampleArchive(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: "blobs", type: "directory" });
  pack.entry({ name: "blobs/a.txt" }, Buffer.alloc(1000, 1));
  pack.entry({ name: "blobs/b.txt" }, Buffer.alloc(512, 2));
  pack.entry({ name: "empty" }, Buffer.alloc(0));
  pack.finalize();
  return buffer(pack);
}
// Offsets of each header in sampleArchive: 1000 bytes take two blocks, 512 one.
const headers = { blobs: 0, a: 512, b: 2048, empty: 3072, marker: 3584 };

/** Walks the bytes in pieces of `step` and returns the walker, or the error that stopped it. */
function walk(bytes: Buffer, step = bytes.length || 1): { walker: TarWalker; error?: string } {
  const walker = new TarWalker();
  try {
    for (let at = 0; at < bytes.length; at += step) walker.push(bytes.subarray(at, at + step));
    walker.finish();
    return { walker };
  } catch (error) {
    if (!(error instanceof TarStructureError)) throw error;
    return { walker, error: error.message };
  }
}

/** One ustar header block with a checksum that matches, for sizes tar-stream would not write. */
function header(name: string, sizeField: Buffer, type = "0"): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, "utf8");
  block.write("0000644\0", 100, "latin1");
  sizeField.copy(block, 124);
  block.write(type, 156, "latin1");
  block.write("ustar\u000000", 257, "latin1");
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return block;
}

const zeros = (bytes: number) => Buffer.alloc(bytes);

describe("walking a tar archive", () => {
  it("accepts a whole archive in any piece size and finds where its end-of-archive marker begins", async () => {
    const archive = await sampleArchive();
    expect(archive.length).toBe(headers.marker + 1024);
    for (const step of [archive.length, 512, 100, 7, 1]) {
      const { walker, error } = walk(archive, step);
      expect(error).toBeUndefined();
      expect(walker.endAt).toBe(headers.marker);
      expect(walker.offset).toBe(archive.length);
    }
  });

  it("accepts zero padding after the marker (a tar record's last blocks) but not data", async () => {
    const archive = await sampleArchive();
    expect(walk(Buffer.concat([archive, zeros(9 * 1024)])).error).toBeUndefined();
    const trailing = Buffer.concat([archive, zeros(100), Buffer.from("x")]);
    expect(walk(trailing, 64).error).toBe(
      `data after the end-of-archive marker at offset ${archive.length + 100}`,
    );
  });

  it("refuses an archive cut at a file boundary: no end-of-archive marker", async () => {
    const archive = await sampleArchive();
    expect(walk(archive.subarray(0, headers.b)).error).toBe(
      'no end-of-archive marker (the last entry was "blobs/a.txt")',
    );
    expect(walk(archive.subarray(0, headers.marker)).error).toBe(
      'no end-of-archive marker (the last entry was "empty")',
    );
    expect(walk(archive.subarray(0, headers.marker + 512)).error).toBe(
      "no end-of-archive marker (only one of its two zero blocks came)",
    );
    expect(walk(Buffer.alloc(0)).error).toBe("no end-of-archive marker (the archive is empty)");
  });

  it("names the file an archive ends inside, its padding, or the header it ends in", async () => {
    const archive = await sampleArchive();
    expect(walk(archive.subarray(0, headers.a + 512 + 100), 64).error).toBe(
      'the archive ends inside "blobs/a.txt" (100 of its 1000 bytes came)',
    );
    expect(walk(archive.subarray(0, headers.a + 512 + 1010)).error).toBe(
      'the archive ends inside the padding after "blobs/a.txt"',
    );
    expect(walk(archive.subarray(0, headers.b + 300)).error).toBe(
      `the archive ends inside the header at offset ${headers.b}`,
    );
  });

  it("refuses a header whose checksum does not match, naming its offset", async () => {
    const archive = await sampleArchive();
    const damaged = Buffer.from(archive);
    damaged[headers.b + 130] = 0x37; // a digit of b.txt's size
    expect(walk(damaged, 100).error).toBe(`bad header checksum at offset ${headers.b}`);
  });

  it("refuses a lone zero block followed by more entries", async () => {
    const archive = await sampleArchive();
    const gap = Buffer.concat([archive.subarray(0, headers.b), zeros(512), archive.subarray(headers.b)]);
    expect(walk(gap).error).toBe(`a lone zero block at offset ${headers.b}, then more entries`);
  });

  it("reads a size in base-256 (GNU, for files over 8 GiB) and skips that many bytes", () => {
    const size = Buffer.alloc(12);
    size[0] = 0x80;
    size.writeUInt16BE(600, 10);
    const archive = Buffer.concat([header("big", size), Buffer.alloc(1024, 3), zeros(1024)]);
    const { walker, error } = walk(archive, 333);
    expect(error).toBeUndefined();
    expect(walker.endAt).toBe(512 + 1024);
  });

  it("refuses a size field that is neither octal nor base-256", () => {
    const archive = Buffer.concat([header("odd", Buffer.from("12345678901\0", "latin1")), zeros(1024)]);
    expect(walk(archive).error).toBe('bad size field in the header of "odd" at offset 0');
  });

  it("reads no data after a link or directory header whatever its size field says", () => {
    const size = Buffer.from("00000001000\0", "latin1");
    const archive = Buffer.concat([header("dir/", size, "5"), header("link", size, "2"), zeros(1024)]);
    const { walker, error } = walk(archive);
    expect(error).toBeUndefined();
    expect(walker.endAt).toBe(1024);
  });
});
