/**
 * What a web terminal sends back: keystrokes and resizes, in the order they happened, one call at a
 * time. Keys typed while a call is on its way (or within `batchMs` of the first) go as one call, so a
 * fast typist or a paste costs a few requests, not one per key.
 */

export type TerminalSend = { kind: "stdin"; data: string } | { kind: "resize"; rows: number; cols: number };

export interface TerminalInputQueue {
  /** Text the terminal produced for the keys pressed (or pasted). */
  type(text: string): void;
  resize(rows: number, cols: number): void;
  /** Drops what was not sent yet: the terminal is gone. */
  close(): void;
}

type Pending = { kind: "stdin"; bytes: number[] } | { kind: "resize"; rows: number; cols: number };

/** The wire carries bytes as base64; the screen's bytes may split a UTF-8 character anywhere. */
export function toBase64(bytes: ArrayLike<number>): string {
  let binary = "";
  for (let index = 0; index < bytes.length; index += 1) binary += String.fromCharCode(bytes[index] ?? 0);
  return btoa(binary);
}

export function fromBase64(data: string): Uint8Array {
  return Uint8Array.from(atob(data), (char) => char.charCodeAt(0));
}

export function createTerminalInput(
  send: (input: TerminalSend) => Promise<unknown>,
  options: { batchMs?: number; onError?(error: unknown): void } = {},
): TerminalInputQueue {
  const batchMs = options.batchMs ?? 10;
  const encoder = new TextEncoder();
  const queue: Pending[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sending = false;
  let closed = false;

  async function drain(): Promise<void> {
    sending = true;
    while (queue.length > 0 && !closed) {
      const next = queue.shift() as Pending;
      try {
        await send(next.kind === "stdin" ? { kind: "stdin", data: toBase64(next.bytes) } : next);
      } catch (error) {
        options.onError?.(error);
      }
    }
    sending = false;
  }

  function enqueue(item: Pending): void {
    if (closed) return;
    const last = queue.at(-1);
    if (item.kind === "stdin" && last?.kind === "stdin") last.bytes.push(...item.bytes);
    else if (item.kind === "resize" && last?.kind === "resize") queue[queue.length - 1] = item;
    else queue.push(item);
    // While a call is on its way, what comes meanwhile waits in the queue and goes next, merged.
    if (sending || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void drain();
    }, batchMs);
  }

  return {
    type: (text) => enqueue({ kind: "stdin", bytes: [...encoder.encode(text)] }),
    resize: (rows, cols) => enqueue({ kind: "resize", rows, cols }),
    close() {
      closed = true;
      clearTimeout(timer);
      queue.length = 0;
    },
  };
}
