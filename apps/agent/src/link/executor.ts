/**
 * Runs the console's commands: checks the input, calls the handler, sends back a typed result or
 * error. Each command has an AbortController, aborted by its deadline or by a cancel from the
 * console. Streams are pumped chunk by chunk, each chunk acknowledged before the next is sent.
 */
import {
  type ChunkAck,
  type ChunkMessage,
  type CommandEnvelope,
  type ConsoleMessage,
  commands,
  isCommandName,
  isStreamCommand,
  LinkError,
  parseCommandInput,
  type ResultMessage,
  type StreamCommandName,
  toLinkError,
} from "@dockfleet/protocol";
import type { HandlerContext, Handlers } from "../handlers/index.ts";

export interface Outbound {
  result(message: ResultMessage): Promise<void>;
  chunk(message: ChunkMessage): Promise<ChunkAck>;
}

export interface ExecutorOptions {
  handlers: Handlers;
  context: HandlerContext;
  outbound: Outbound;
  /** Console clock minus ours, from hello: deadlines are in the console's clock. */
  clockOffsetMs: number;
  log(message: string): void;
  /** Items buffered per stream before the source is paused (or, for stats, the oldest dropped). */
  streamBuffer?: number;
  /** Most items in one chunk. */
  chunkItems?: number;
}

/** Why a command was stopped early. */
type StopReason = "timeout" | "cancelled" | "disconnected";

export class Executor {
  private readonly running = new Map<string, { name: string; controller: AbortController }>();

  constructor(private readonly options: ExecutorOptions) {}

  get runningCount(): number {
    return this.running.size;
  }

  handle(message: ConsoleMessage): void {
    if (message.kind === "cancel") {
      this.running.get(message.id)?.controller.abort(message.reason satisfies StopReason);
      return;
    }
    void this.run(message);
  }

  /** The connection is gone: stop everything (results could not be delivered anyway). */
  abortAll(): void {
    for (const { controller } of this.running.values()) controller.abort("disconnected" satisfies StopReason);
  }

  private async run(envelope: CommandEnvelope): Promise<void> {
    const controller = new AbortController();
    const { id, name } = envelope;
    this.running.set(id, { name, controller });
    let timer: NodeJS.Timeout | undefined;
    if (envelope.deadline !== null) {
      const left = envelope.deadline - (Date.now() + this.options.clockOffsetMs);
      timer = setTimeout(() => controller.abort("timeout" satisfies StopReason), Math.max(0, left));
    }
    try {
      if (!isCommandName(name))
        throw new LinkError("unsupported", `this agent does not know the command ${name}`);
      const input = parseCommandInput(name, envelope.input);
      if (isStreamCommand(name)) {
        await this.pump(id, name, input, controller.signal);
      } else {
        const handler = this.options.handlers[name] as (
          ctx: HandlerContext,
          input: unknown,
          signal: AbortSignal,
        ) => Promise<unknown>;
        const result = await untilAborted(
          handler(this.options.context, input, controller.signal),
          controller.signal,
        );
        await this.options.outbound.result({ id, ok: true, result });
      }
    } catch (error) {
      const reason = controller.signal.aborted ? (controller.signal.reason as StopReason) : undefined;
      if (reason) {
        this.options.log(`${name} ${id} stopped early: ${reason}`);
        if (reason === "disconnected") return;
        const stopped =
          reason === "timeout"
            ? new LinkError("timeout", `${name}: deadline passed on the agent`)
            : new LinkError("cancelled", `${name}: cancelled by the console`);
        await this.send({ id, ok: false, error: stopped.toJSON() });
        return;
      }
      await this.send({ id, ok: false, error: toLinkError(error).toJSON() });
    } finally {
      clearTimeout(timer);
      this.running.delete(id);
    }
  }

  private async send(message: ResultMessage): Promise<void> {
    await this.options.outbound.result(message).catch((error: unknown) => {
      this.options.log(`could not deliver the result of ${message.id}: ${(error as Error).message}`);
    });
  }

  /**
   * Reads the handler's items into a bounded buffer while the previous chunk is on its way. A full
   * buffer pauses the reader (logs, events) or drops the oldest item and counts it (stats).
   */
  private async pump(
    id: string,
    name: StreamCommandName,
    input: unknown,
    signal: AbortSignal,
  ): Promise<void> {
    const handler = this.options.handlers[name] as (
      ctx: HandlerContext,
      input: unknown,
      signal: AbortSignal,
    ) => Promise<{ items: AsyncIterable<unknown>; result(): unknown }>;
    // Stops the source when the console says nobody listens, as well as on cancel or deadline.
    const stopReading = new AbortController();
    const run = await handler(this.options.context, input, AbortSignal.any([signal, stopReading.signal]));
    const capacity = this.options.streamBuffer ?? (commands[name].overflow === "drop-oldest" ? 4 : 1000);
    const chunkItems = this.options.chunkItems ?? 500;
    const dropOldest = commands[name].overflow === "drop-oldest";
    const buffer: unknown[] = [];
    let dropped = 0;
    let readerDone = false;
    let readerError: { error: unknown } | undefined;
    let wakeSender: (() => void) | undefined;
    let wakeReader: (() => void) | undefined;
    const onAbort = () => {
      stopReading.abort();
      wakeReader?.();
      wakeSender?.();
    };
    signal.addEventListener("abort", onAbort, { once: true });

    const reader = (async () => {
      try {
        for await (const item of run.items) {
          if (stopReading.signal.aborted) break;
          if (!dropOldest) {
            while (buffer.length >= capacity && !stopReading.signal.aborted) {
              await new Promise<void>((resolve) => {
                wakeReader = resolve;
              });
            }
            if (stopReading.signal.aborted) break;
          }
          buffer.push(item);
          if (buffer.length > capacity) {
            buffer.shift();
            dropped += 1;
          }
          wakeSender?.();
        }
      } catch (error) {
        readerError = { error };
      } finally {
        readerDone = true;
        wakeSender?.();
      }
    })();

    try {
      let seq = 0;
      for (;;) {
        while (buffer.length === 0 && !readerDone && !signal.aborted) {
          await new Promise<void>((resolve) => {
            wakeSender = resolve;
          });
        }
        if (signal.aborted) break;
        if (buffer.length === 0 && readerDone) break;
        const items = buffer.splice(0, chunkItems);
        const chunk = { items, dropped };
        dropped = 0;
        wakeReader?.();
        const ack = await this.options.outbound.chunk({ id, seq, chunk });
        seq += 1;
        if (!ack.accepted) {
          // Nobody listens any more on the console: stop quietly.
          stopReading.abort();
          wakeReader?.();
          return;
        }
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      stopReading.abort();
      wakeReader?.();
    }
    await reader;
    if (signal.aborted) throw signal.reason;
    if (readerError) throw readerError.error;
    await this.options.outbound.result({ id, ok: true, result: run.result() });
  }
}

/** Settles with the promise, or rejects as soon as the signal aborts (the work itself may go on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
