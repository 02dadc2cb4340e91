/**
 * A stream's items waiting for the link: bounded by count and, for streams of bulk bytes (file
 * reads, image archives), by bytes, so neither the agent's memory nor one WebSocket message grows
 * with the size of the pieces. Full: the reader waits (`pause`) or the oldest item goes (`drop-oldest`).
 */
export interface StreamBufferLimits<T> {
  /** Items held before the source is paused (or the oldest dropped). */
  items: number;
  /** Bytes held before the source is paused; only counted when `weigh` is given. */
  bytes: number;
  /** Most items, and bytes, in one chunk (a chunk has at least one item). */
  chunkItems: number;
  chunkBytes: number;
  dropOldest: boolean;
  /** An item's size on the wire; absent: items are small and only counted. */
  weigh?: (item: T) => number;
}

export class StreamBuffer<T> {
  private readonly queue: T[] = [];
  private readonly sizes: number[] = [];
  private heldBytes = 0;
  private droppedSinceTake = 0;

  constructor(private readonly limits: StreamBufferLimits<T>) {}

  get length(): number {
    return this.queue.length;
  }

  /** The reader should wait before adding more. */
  get full(): boolean {
    return this.queue.length >= this.limits.items || this.heldBytes >= this.limits.bytes;
  }

  push(item: T): void {
    const size = this.limits.weigh?.(item) ?? 0;
    this.queue.push(item);
    this.sizes.push(size);
    this.heldBytes += size;
    while (this.limits.dropOldest && this.queue.length > this.limits.items) {
      this.queue.shift();
      this.heldBytes -= this.sizes.shift() ?? 0;
      this.droppedSinceTake += 1;
    }
  }

  /** The next chunk's items, and how many were dropped since the last one. */
  take(): { items: T[]; dropped: number } {
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < this.limits.chunkItems) {
      const size = this.sizes[count] ?? 0;
      if (count > 0 && bytes + size > this.limits.chunkBytes) break;
      bytes += size;
      count += 1;
    }
    const items = this.queue.splice(0, count);
    this.sizes.splice(0, count);
    this.heldBytes -= bytes;
    const dropped = this.droppedSinceTake;
    this.droppedSinceTake = 0;
    return { items, dropped };
  }
}
