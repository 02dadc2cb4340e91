/**
 * The consumer's end of a stream, local or through another replica: the chunks (a bounded channel
 * whose consumer's pace is the flow control), the result, settled once, and the caller's signal.
 */
import type {
  CommandResult,
  LinkError,
  StreamChunk,
  StreamCommandName,
  StreamInput,
} from "@dockfleet/protocol";
import { Channel } from "./channel.ts";
import type { LinkStream } from "./connection.ts";

export type StreamOutcome = { ok: true; value: unknown } | { ok: false; error: LinkError };

export interface StreamEnds<N extends StreamCommandName> {
  readonly chunks: Channel<StreamChunk<N>>;
  readonly settled: boolean;
  /** Ends the stream with its result or error (the first call wins). */
  finish(outcome: StreamOutcome): void;
  /** What the caller holds. */
  stream(id: string, send: (input: StreamInput<N>) => void): LinkStream<N>;
}

export function streamEnds<N extends StreamCommandName>(options: {
  /** Chunks held for a slow consumer before the source is made to wait. */
  window: number;
  signal?: AbortSignal;
  /** The consumer left (stopped iterating, cancelled, or its signal aborted). */
  onCancel(): void;
  /** Runs once, when the stream settles. */
  onFinish?(): void;
}): StreamEnds<N> {
  let settled = false;
  let settleResult!: (value: CommandResult<N>) => void;
  let settleError!: (error: LinkError) => void;
  const result = new Promise<CommandResult<N>>((resolve, reject) => {
    settleResult = resolve;
    settleError = reject;
  });
  // The iterator surfaces the error; nobody may be awaiting `result`.
  result.catch(() => undefined);
  const chunks = new Channel<StreamChunk<N>>(options.window, () => options.onCancel());
  const onAbort = () => chunks.cancel();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  return {
    chunks,
    get settled() {
      return settled;
    },
    finish(outcome) {
      if (settled) return;
      settled = true;
      options.onFinish?.();
      options.signal?.removeEventListener("abort", onAbort);
      if (outcome.ok) {
        chunks.end();
        settleResult(outcome.value as CommandResult<N>);
      } else {
        chunks.fail(outcome.error);
        settleError(outcome.error);
      }
    },
    stream: (id, send) => ({
      id,
      result,
      cancel: () => chunks.cancel(),
      send,
      [Symbol.asyncIterator]: () => chunks[Symbol.asyncIterator](),
    }),
  };
}
