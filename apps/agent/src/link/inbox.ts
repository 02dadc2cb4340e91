/**
 * What the console sends into one running stream (a terminal's keystrokes), queued for its handler.
 * Bounded: a console that sends far faster than the command reads loses the excess, counted in the log.
 */
export class Inbox<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly capacity: number,
    private readonly onOverflow: () => void,
  ) {}

  push(value: T): void {
    if (this.closed) return;
    if (this.queue.length >= this.capacity) {
      this.onOverflow();
      return;
    }
    this.queue.push(value);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}
