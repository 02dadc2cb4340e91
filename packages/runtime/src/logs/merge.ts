/**
 * Merging many log sources into one. Both merges pull from a source only when the consumer asks for
 * the next item, so a slow consumer pauses every source (backpressure) instead of buffering them.
 */

interface Head<T> {
  value: T;
  source: number;
}

/** A binary min-heap on a comparator; ties keep source order so equal times stay stable. */
class MinHeap<T> {
  private readonly items: Head<T>[] = [];
  constructor(private readonly before: (a: Head<T>, b: Head<T>) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(item: Head<T>): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i] as Head<T>, items[parent] as Head<T>)) break;
      [items[i], items[parent]] = [items[parent] as Head<T>, items[i] as Head<T>];
      i = parent;
    }
  }

  pop(): Head<T> | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      this.sink(0);
    }
    return top;
  }

  private sink(start: number): void {
    const items = this.items;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < items.length && this.before(items[left] as Head<T>, items[least] as Head<T>)) least = left;
      if (right < items.length && this.before(items[right] as Head<T>, items[least] as Head<T>))
        least = right;
      if (least === i) return;
      [items[i], items[least]] = [items[least] as Head<T>, items[i] as Head<T>];
      i = least;
    }
  }
}

/**
 * k-way merge of sources that are each already ordered by `key`: yields everything in key order.
 * Needs one item from every live source before it can yield, so use it on finite reads.
 */
export async function* mergeByKey<T>(
  sources: AsyncIterable<T>[],
  key: (item: T) => string,
): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const heap = new MinHeap<T>((a, b) => {
    const ka = key(a.value);
    const kb = key(b.value);
    return ka < kb || (ka === kb && a.source < b.source);
  });
  try {
    const firsts = await Promise.all(iterators.map((iterator) => iterator.next()));
    firsts.forEach((result, source) => {
      if (!result.done) heap.push({ value: result.value, source });
    });
    while (heap.size > 0) {
      const head = heap.pop() as Head<T>;
      yield head.value;
      const next = await (iterators[head.source] as AsyncIterator<T>).next();
      if (!next.done) heap.push({ value: next.value, source: head.source });
    }
  } finally {
    await Promise.allSettled(iterators.map((iterator) => iterator.return?.()));
  }
}

/**
 * Merges live sources in arrival order, keeping exactly one pending read per source. Sources should
 * end when their AbortSignal fires, so that stopping early releases them.
 */
export async function* mergeByArrival<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const reads = new Map<number, Promise<{ source: number; result: IteratorResult<T> }>>();
  const read = (source: number) => {
    const iterator = iterators[source] as AsyncIterator<T>;
    reads.set(
      source,
      iterator.next().then((result) => ({ source, result })),
    );
  };
  try {
    for (let source = 0; source < iterators.length; source++) read(source);
    while (reads.size > 0) {
      const { source, result } = await Promise.race(reads.values());
      reads.delete(source);
      if (result.done) continue;
      yield result.value;
      read(source);
    }
  } finally {
    // A source with a read in flight only returns after that read ends; the caller's AbortSignal
    // ends it. Waiting here would hang a consumer that stops early on a quiet source.
    for (const pending of reads.values()) pending.catch(() => undefined);
    for (const iterator of iterators) iterator.return?.().catch(() => undefined);
  }
}
