import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { isLinkError } from "@dockfleet/protocol";
import { describe, expect, it } from "vitest";
import { archivePieces } from "./container-files.ts";

const mib = 1024 * 1024;
const limits = { path: "/data", limitBytes: mib, pieceBytes: 1000 };

/** An archive arriving in chunks smaller and larger than a piece, as the Engine's socket delivers it. */
const arriving = (bytes: Buffer) =>
  Readable.from([bytes.subarray(0, 10), bytes.subarray(10, 150_010), bytes.subarray(150_010)]);

describe("a read's pieces", () => {
  it("carry the archive byte for byte, none over the piece size, then its size and sha256", async () => {
    const bytes = randomBytes(300_000);
    const read = archivePieces(arriving(bytes), limits);
    const pieces: Uint8Array[] = [];
    for await (const piece of read.pieces) pieces.push(piece.data);
    expect(Math.max(...pieces.map((piece) => piece.byteLength))).toBe(1000);
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
    expect(read.summary()).toEqual({
      bytes: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
  });

  it("fail once the archive passes the limit, and close it", async () => {
    const archive = arriving(Buffer.alloc(mib + 1));
    let received = 0;
    const reading = (async () => {
      for await (const piece of archivePieces(archive, limits).pieces) received += piece.data.length;
    })();
    const error = await reading.catch((failure: unknown) => failure);
    expect(isLinkError(error, "invalid")).toBe(true);
    expect((error as Error).message).toBe(
      '"/data" is too large: its tar archive is over 1 MiB, the most one read carries',
    );
    expect(received).toBeLessThanOrEqual(Math.ceil(mib / 3) * 4);
    expect(archive.destroyed).toBe(true);
  });

  it("close the archive when the reader stops early", async () => {
    const archive = arriving(randomBytes(100_000));
    for await (const _ of archivePieces(archive, limits).pieces) break;
    expect(archive.destroyed).toBe(true);
  });
});
