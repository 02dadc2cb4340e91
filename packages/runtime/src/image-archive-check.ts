/**
 * An image archive on its way to the Engine, checked whole as it streams. The Engine's tar reader
 * takes an archive cut at a file boundary for a whole one (it reads to EOF, or to the marker), so
 * its end-of-archive marker goes out only once the source ended and the walk found it whole;
 * anything else fails the stream, which aborts the Engine's request: it loads nothing.
 */
import { once } from "node:events";
import { Readable } from "node:stream";
import { createGunzip, type Gunzip } from "node:zlib";
import { RuntimeError } from "./errors.ts";
import { endMarkerBytes, TarStructureError, TarWalker } from "./tar-walker.ts";

/**
 * Compressions the Engine would take but Node cannot undo; refused rather than passed unchecked.
 * gzip (what `docker save | gzip` makes) is undone on the fly for the walk.
 */
const uncheckable: Array<[string, Buffer]> = [
  ["bzip2", Buffer.from("BZh")],
  ["xz", Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ["zstd", Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
];
const gzipMagic = Buffer.from([0x1f, 0x8b]);
const sniffBytes = 6;

const refused = (reason: string) =>
  new RuntimeError("invalid_spec", `load images: not a whole tar archive: ${reason}; nothing was loaded`);

/** The source's bytes, the first `sniffBytes` (or all, if fewer) gathered into the first piece. */
async function* withHead(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let head = Buffer.alloc(0);
  for await (const chunk of source) {
    if (head.length >= sniffBytes) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length >= sniffBytes) yield head;
  }
  if (head.length < sniffBytes) yield head;
}

/**
 * A plain tar: everything before the marker goes out as it comes, the rest of the marker at the
 * end. Up to 511 bytes of its first zero block may have gone out already (a block is known to be
 * zeros only once whole): those are not sent twice.
 */
async function* plainTar(pieces: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const walker = new TarWalker();
  let sent = 0;
  for await (const piece of pieces) {
    walker.push(piece);
    const upTo = Math.min(walker.offset, walker.endAt ?? walker.offset);
    const pieceStart = walker.offset - piece.length;
    if (upTo > sent) yield piece.subarray(sent - pieceStart, upTo - pieceStart);
    sent = Math.max(sent, upTo);
  }
  const endAt = walker.finish();
  // What followed the marker was zeros only (the walk checked): the Engine needs just the marker.
  yield Buffer.alloc(endAt + endMarkerBytes - sent);
}

/** Resolves once the gunzip took `piece` in and handed out all it could make of it. */
function inflate(gunzip: Gunzip, piece: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    gunzip.write(piece, (error) => (error ? reject(error) : resolve())),
  );
}

/**
 * A gzip-compressed tar, walked as it inflates. Compressed bytes do not split at the marker, so
 * from the piece whose output reached it on, pieces are held (that piece and what follows it: the
 * marker, padding and gzip's trailer) until gzip's own end and checksum and the walk say whole.
 */
async function* gzipTar(pieces: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const walker = new TarWalker();
  const gunzip = createGunzip();
  let walkFailure: unknown;
  gunzip.on("data", (bytes: Buffer) => {
    try {
      walker.push(bytes);
    } catch (error) {
      walkFailure ??= error;
    }
  });
  const ended = once(gunzip, "end");
  ended.catch(() => undefined); // read below, after the last piece
  const held: Buffer[] = [];
  try {
    for await (const piece of pieces) {
      await inflate(gunzip, piece).catch(gzipFailure);
      if (walkFailure) throw walkFailure;
      if (walker.endAt === undefined) yield piece;
      else held.push(piece);
    }
    gunzip.end();
    await ended.catch(gzipFailure);
    if (walkFailure) throw walkFailure;
    walker.finish();
    yield* held;
  } finally {
    gunzip.destroy();
  }
}

function gzipFailure(error: Error): never {
  throw new TarStructureError(`its gzip stream is damaged or ends early (${error.message})`);
}

async function* checked(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const pieces = withHead(source);
  const first = await pieces.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
  const compression = uncheckable.find(([, magic]) => head.subarray(0, magic.length).equals(magic));
  if (compression) {
    throw new RuntimeError(
      "invalid_spec",
      `load images: the archive is ${compression[0]}-compressed, which cannot be checked whole before loading; send it as a tar or a gzip-compressed tar`,
    );
  }
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    yield* pieces;
  }
  const walk = head.subarray(0, gzipMagic.length).equals(gzipMagic) ? gzipTar : plainTar;
  try {
    yield* walk(all());
  } catch (error) {
    throw error instanceof TarStructureError ? refused(error.message) : error;
  }
}

/**
 * The archive as the Engine should get it: the same bytes, except that it fails (`invalid_spec`,
 * naming what is wrong) instead of ending when they are not a whole tar or gzip-compressed tar.
 */
export function wholeArchive(source: AsyncIterable<Buffer>): Readable {
  return Readable.from(checked(source), { objectMode: false });
}
