/**
 * Follows a tar archive's structure as its bytes stream past, without keeping them: 512-byte
 * headers (checksum, size), each file's data padded to 512, and the end-of-archive marker (two
 * zero blocks). It tells where the marker begins and whether what came was a whole archive.
 */

const blockBytes = 512;
/** The end-of-archive marker: two zero blocks. */
export const endMarkerBytes = 2 * blockBytes;

/** Entry types that carry no data whatever their size field says (as Go's archive/tar reads them). */
const headerOnlyTypes = new Set(["1", "2", "3", "4", "5", "6"]);

/** Why the bytes are not a whole tar archive, in words a person can act on. */
export class TarStructureError extends Error {
  override readonly name = "TarStructureError";
}

type State =
  | { kind: "header" }
  | { kind: "data"; name: string; size: number; padded: number; left: number }
  | { kind: "firstZero" }
  | { kind: "ended" };

const nulTerminated = (field: Buffer) => {
  const end = field.indexOf(0);
  return field.toString("utf8", 0, end === -1 ? field.length : end);
};

/** The entry's path: ustar's prefix joined to its name. */
function entryName(header: Buffer): string {
  const name = nulTerminated(header.subarray(0, 100));
  const magic = header.toString("latin1", 257, 262);
  const prefix = magic === "ustar" ? nulTerminated(header.subarray(345, 500)) : "";
  return prefix ? `${prefix}/${name}` : name;
}

/** A numeric field: octal text, or GNU's base-256 (high bit of the first byte set) for large values. */
function numericField(field: Buffer): number | undefined {
  const first = field[0] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) return undefined; // negative
    let value = first & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const text = nulTerminated(field).trim();
  if (text === "") return 0;
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

/** The header checksum: its bytes summed with the checksum field read as spaces (unsigned or, historically, signed). */
function checksumMatches(header: Buffer): boolean {
  const stored = numericField(header.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < blockBytes; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (header[i] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

const isZero = (bytes: Buffer) => bytes.every((byte) => byte === 0);

export class TarWalker {
  /** Bytes walked so far. */
  offset = 0;
  /** Where the end-of-archive marker begins, once its first zero block came. */
  endAt: number | undefined;
  private state: State = { kind: "header" };
  private readonly header = Buffer.alloc(blockBytes);
  private headerFilled = 0;
  private lastName: string | undefined;

  /** Walks the next bytes; throws a TarStructureError at the first thing that is not tar. */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const state = this.state;
      if (state.kind === "data") {
        const skipped = Math.min(state.left, chunk.length - at);
        state.left -= skipped;
        at += skipped;
        if (state.left === 0) this.state = { kind: "header" };
        continue;
      }
      if (state.kind === "ended") {
        if (!isZero(chunk.subarray(at))) {
          const nonZero = chunk.subarray(at).findIndex((byte) => byte !== 0);
          throw new TarStructureError(
            `data after the end-of-archive marker at offset ${this.offset + at + nonZero}`,
          );
        }
        at = chunk.length;
        continue;
      }
      const taken = Math.min(blockBytes - this.headerFilled, chunk.length - at);
      chunk.copy(this.header, this.headerFilled, at, at + taken);
      this.headerFilled += taken;
      at += taken;
      if (this.headerFilled < blockBytes) continue;
      this.headerFilled = 0;
      this.block(this.offset + at - blockBytes);
    }
    this.offset += chunk.length;
  }

  /**
   * Throws unless the bytes walked were a whole archive, its end-of-archive marker included;
   * answers where the marker begins.
   */
  finish(): number {
    const state = this.state;
    if (state.kind === "ended" && this.endAt !== undefined) return this.endAt;
    if (state.kind === "data") {
      const came = state.padded - state.left;
      throw new TarStructureError(
        came < state.size
          ? `the archive ends inside "${state.name}" (${came} of its ${state.size} bytes came)`
          : `the archive ends inside the padding after "${state.name}"`,
      );
    }
    if (this.headerFilled > 0) {
      throw new TarStructureError(
        `the archive ends inside the header at offset ${this.offset - this.headerFilled}`,
      );
    }
    const after =
      this.lastName === undefined ? "the archive is empty" : `the last entry was "${this.lastName}"`;
    const what = state.kind === "firstZero" ? "only one of its two zero blocks came" : after;
    throw new TarStructureError(`no end-of-archive marker (${what})`);
  }

  /** One whole 512-byte block at a header position, starting at `offset`. */
  private block(offset: number): void {
    const header = this.header;
    if (isZero(header)) {
      if (this.state.kind === "firstZero") this.state = { kind: "ended" };
      else {
        this.state = { kind: "firstZero" };
        this.endAt = offset;
      }
      return;
    }
    if (this.state.kind === "firstZero") {
      throw new TarStructureError(`a lone zero block at offset ${offset - blockBytes}, then more entries`);
    }
    if (!checksumMatches(header)) throw new TarStructureError(`bad header checksum at offset ${offset}`);
    const name = entryName(header);
    const size = numericField(header.subarray(124, 136));
    if (size === undefined)
      throw new TarStructureError(`bad size field in the header of "${name}" at offset ${offset}`);
    this.lastName = name;
    const dataBytes = headerOnlyTypes.has(String.fromCharCode(header[156] as number)) ? 0 : size;
    const padded = Math.ceil(dataBytes / blockBytes) * blockBytes;
    this.state =
      padded === 0 ? { kind: "header" } : { kind: "data", name, size: dataBytes, padded, left: padded };
  }
}
