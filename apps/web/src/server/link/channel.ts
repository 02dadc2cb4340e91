/**
 * A bounded async queue between one producer and one consumer. `push` waits while the queue is
 * full, so a slow consumer slows the producer (backpressure) instead of growing memory.
 */

interface Waiter {
  resolve(): void;
}

export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly pushers: Waiter[] = [];
  private puller: Waiter | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private cancelled = false;
  private readonly onCancel: (() => void) | undefined;

  /** `capacity`: items held before `push` waits (Infinity: never waits). `onCancel`: the consumer stopped. */
  constructor(
    readonly capacity = Number.POSITIVE_INFINITY,
    onCancel?: () => void,
  ) {
    this.onCancel = onCancel;
  }

  get size(): number {
    return this.items.length;
  }

  /** True once the consumer stopped or the producer ended: pushes are refused from then on. */
  get closed(): boolean {
    return this.cancelled || this.ended;
  }

  /**
   * Queues an item; resolves true once it is queued (after waiting for room), false when the
   * channel closed first (the item is then dropped).
   */
  async push(item: T): Promise<boolean> {
    while (!this.closed && this.items.length >= this.capacity) {
      await new Promise<void>((resolve) => this.pushers.push({ resolve }));
    }
    if (this.closed) return false;
    this.items.push(item);
    this.wakePuller();
    return true;
  }

  /** Queues without waiting, even past capacity (for control messages); false when closed. */
  offer(item: T): boolean {
    if (this.closed) return false;
    this.items.push(item);
    this.wakePuller();
    return true;
  }

  /** The producer is done: the consumer gets the queued items, then the end. */
  end(): void {
    if (this.closed) return;
    this.ended = true;
    this.wakeAll();
  }

  /** The producer failed: the consumer gets the queued items, then `error`. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = { error };
    this.ended = true;
    this.wakeAll();
  }

  /** The consumer stops: queued items are dropped and waiting pushes resolve false. */
  cancel(): void {
    if (this.cancelled) return;
    const wasOpen = !this.ended;
    this.cancelled = true;
    this.items.length = 0;
    this.wakeAll();
    if (wasOpen) this.onCancel?.();
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.items.length > 0) {
        const value = this.items.shift() as T;
        this.pushers.shift()?.resolve();
        return { done: false, value };
      }
      if (this.cancelled) return { done: true, value: undefined };
      if (this.ended) {
        if (this.failure) {
          const { error } = this.failure;
          this.failure = undefined;
          throw error;
        }
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => {
        this.puller = { resolve };
      });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => this.next(),
      return: async () => {
        this.cancel();
        return { done: true, value: undefined };
      },
    };
  }

  private wakePuller(): void {
    const puller = this.puller;
    this.puller = undefined;
    puller?.resolve();
  }

  private wakeAll(): void {
    this.wakePuller();
    for (const pusher of this.pushers.splice(0)) pusher.resolve();
  }
}
