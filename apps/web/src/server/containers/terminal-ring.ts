/**
 * A terminal's recent output, addressed by byte offset since the shell started: what a browser
 * that lost its connection missed, up to a bound. Offsets only grow, so an offset names the same
 * byte for the whole session and a reconnect can ask for "everything after byte N".
 */

export interface RingRead {
  /** Bytes before the ring's start that the reader asked for but the ring no longer holds. */
  skipped: number;
  data: Buffer;
  /** The offset after `data`: where the next read starts. */
  next: number;
}

export class OutputRing {
  private readonly pieces: Buffer[] = [];
  private held = 0;
  private startOffset = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0)
      throw new RangeError(`not a ring size: ${capacity}`);
  }

  /** The offset of the oldest byte held. */
  get start(): number {
    return this.startOffset;
  }

  /** The offset after the newest byte: how many bytes were ever written. */
  get end(): number {
    return this.startOffset + this.held;
  }

  /** Appends output; the oldest bytes go once more than `capacity` would be held. */
  write(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pieces.push(bytes);
    this.held += bytes.length;
    let excess = this.held - this.capacity;
    while (excess > 0) {
      const first = this.pieces[0] as Buffer;
      const dropped = Math.min(first.length, excess);
      if (dropped === first.length) this.pieces.shift();
      else this.pieces[0] = first.subarray(dropped);
      this.held -= dropped;
      this.startOffset += dropped;
      excess -= dropped;
    }
  }

  /**
   * Up to `max` bytes from offset `from`. Asking for bytes already dropped reads from the start
   * and says how many were skipped; an offset past the end was never handed out.
   */
  read(from: number, max: number): RingRead {
    if (!Number.isSafeInteger(from) || from < 0 || from > this.end)
      throw new RangeError(`offset ${from} is outside 0..${this.end}`);
    const skipped = Math.max(0, this.startOffset - from);
    const at = from + skipped;
    const parts: Buffer[] = [];
    let offset = this.startOffset;
    let length = 0;
    for (const piece of this.pieces) {
      if (length >= max) break;
      const pieceEnd = offset + piece.length;
      if (pieceEnd > at) {
        const part = piece.subarray(Math.max(0, at - offset));
        const kept = part.subarray(0, max - length);
        parts.push(kept);
        length += kept.length;
      }
      offset = pieceEnd;
    }
    return { skipped, data: Buffer.concat(parts, length), next: at + length };
  }
}
