/**
 * Runs the console's commands: checks the input, calls the handler, sends back a typed result or
 * error. Each command has an AbortController, aborted by its deadline or by a cancel from the
 * console. Streams are pumped in chunks, a few in flight at a time, each acknowledged by the console.
 *
 * The executor outlives connections. When one drops, live streams stop (the console asks again
 * from where they left off) but other commands run on to their end; a result with no connection to
 * take it goes to the spool on disk, and the next connection gets it.
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
  type ProgressMessage,
  parseCommandInput,
  parseStreamInput,
  plainWire,
  type ResultMessage,
  type StreamCommandName,
  toLinkError,
} from "@dockfleet/protocol";
import type { HandlerContext, Handlers } from "../handlers/index.ts";
import type { Spool } from "../spool/spool.ts";
import { Inbox } from "./inbox.ts";
import { ProgressReporter } from "./progress.ts";
import { StreamBuffer } from "./stream-buffer.ts";

export interface Outbound {
  result(message: ResultMessage): Promise<void>;
  chunk(message: ChunkMessage): Promise<ChunkAck>;
  progress(message: ProgressMessage): Promise<void>;
}

export interface ExecutorOptions {
  handlers: Handlers;
  context: HandlerContext;
  log(message: string): void;
  /** Where results that found no connection wait for one; without it they are dropped. */
  spool?: Spool;
  /** Items buffered per stream before the source is paused (or, for stats, the oldest dropped). */
  streamBuffer?: number;
  /** Most items in one chunk. */
  chunkItems?: number;
  /** Chunks of one stream sent and not yet acknowledged, at most. */
  chunksInFlight?: number;
}

/** Why a command was stopped early. */
type StopReason = "timeout" | "cancelled" | "disconnected" | "stopping";

interface Running {
  name: string;
  stream: boolean;
  controller: AbortController;
  /** A stream's input from the console. */
  inbox?: Inbox<unknown>;
}

/**
 * Bytes of bulk pieces a stream may hold, and put in one chunk (one WebSocket message): with
 * `chunksInFlight` chunks on their way, a stream holds at most 1 MiB + 4 × 64 KiB of pieces. Small
 * chunks keep the agent's RSS flat: with 256 KiB ones a 64 MiB read ran 30% faster but raised the
 * peak by 20–40 MB instead of 17–19 (the Buffers of frames are freed only at the next GC, and bytes
 * cause few of those).
 */
const streamBufferBytes = 1024 * 1024;
const chunkBytes = 64 * 1024;
const chunksInFlight = 4;

/** Input messages a stream may have queued before the agent drops more (a terminal paste is one message). */
const inboxCapacity = 256;

export class Executor {
  private readonly running = new Map<string, Running>();
  private outbound: Outbound | undefined;
  /** Console clock minus ours, from the current connection's hello: deadlines are in the console's clock. */
  private clockOffsetMs = 0;
  private flushing = false;
  private readonly progress = new ProgressReporter((message) => this.outbound?.progress(message));

  constructor(private readonly options: ExecutorOptions) {}

  get runningCount(): number {
    return this.running.size;
  }

  get context(): HandlerContext {
    return this.options.context;
  }

  /** A connection said hello: commands come from it, results go to it, spooled ones first. */
  attach(outbound: Outbound, clockOffsetMs: number): void {
    this.outbound = outbound;
    this.clockOffsetMs = clockOffsetMs;
    this.progress.resend();
    void this.flush();
  }

  /** The connection is gone: streams stop; other commands go on, their results to the spool. */
  detach(): void {
    this.outbound = undefined;
    for (const { stream, controller } of this.running.values()) {
      if (stream) controller.abort("disconnected" satisfies StopReason);
    }
  }

  /** The agent stops: everything stops, nothing more is sent. */
  stop(): void {
    this.outbound = undefined;
    for (const { controller } of this.running.values()) controller.abort("stopping" satisfies StopReason);
  }

  /** Commands whose result a later connection will get: still running, or spooled (for hello). */
  async pending(): Promise<string[]> {
    const running = [...this.running].filter(([, command]) => !command.stream).map(([id]) => id);
    const spooled = (await this.options.spool?.ids().catch(() => [])) ?? [];
    return [...new Set([...running, ...spooled])];
  }

  handle(message: ConsoleMessage): void {
    if (message.kind === "cancel") {
      this.running.get(message.id)?.controller.abort(message.reason satisfies StopReason);
      return;
    }
    if (message.kind === "input") {
      this.input(message.id, message.input);
      return;
    }
    void this.run(message);
  }

  /** Input for a running stream, checked against what its command accepts; late input is dropped. */
  private input(id: string, input: unknown): void {
    const running = this.running.get(id);
    if (!running?.inbox || !isCommandName(running.name)) return;
    try {
      running.inbox.push(parseStreamInput(running.name, input));
    } catch (error) {
      this.options.log(`ignored input for ${running.name} ${id}: ${(error as Error).message}`);
    }
  }

  private async run(envelope: CommandEnvelope): Promise<void> {
    const controller = new AbortController();
    const { id, name } = envelope;
    const stream = isCommandName(name) && isStreamCommand(name);
    // A stream belongs to the connection it started on (its chunks count from there).
    const outbound = this.outbound;
    const inbox = stream
      ? new Inbox<unknown>(inboxCapacity, () => this.options.log(`${name} ${id}: input overflowed, dropped`))
      : undefined;
    this.running.set(id, { name, stream, controller, inbox });
    // The deadline in our clock, read when the command arrives.
    const expiresAt = envelope.deadline === null ? null : envelope.deadline - this.clockOffsetMs;
    let timer: NodeJS.Timeout | undefined;
    if (expiresAt !== null) {
      timer = setTimeout(
        () => controller.abort("timeout" satisfies StopReason),
        Math.max(0, expiresAt - Date.now()),
      );
    }
    let answer: ResultMessage;
    try {
      if (!isCommandName(name))
        throw new LinkError("unsupported", `this agent does not know the command ${name}`);
      const input = parseCommandInput(name, envelope.input);
      if (isStreamCommand(name)) {
        if (!outbound || !inbox) return;
        await this.pump(id, name, input, controller.signal, outbound, inbox);
        return;
      }
      const handler = this.options.handlers[name] as (
        ctx: HandlerContext,
        input: unknown,
        signal: AbortSignal,
        progress: (report: unknown) => void,
      ) => Promise<unknown>;
      const report = (progress: unknown) => this.progress.report(id, progress);
      const result = await untilAborted(
        handler(this.options.context, input, controller.signal, report),
        controller.signal,
      );
      answer = { id, ok: true, result };
    } catch (error) {
      const reason = controller.signal.aborted ? (controller.signal.reason as StopReason) : undefined;
      if (reason) this.options.log(`${name} ${id} stopped early: ${reason}`);
      if (reason === "disconnected" || reason === "stopping") return;
      const failure =
        reason === "timeout"
          ? new LinkError("timeout", `${name}: deadline passed on the agent`)
          : reason === "cancelled"
            ? new LinkError("cancelled", `${name}: cancelled by the console`)
            : toLinkError(error);
      answer = { id, ok: false, error: failure.toJSON() };
      if (stream) {
        // The end of a stream means something only on its own connection.
        await outbound?.result(answer).catch(() => undefined);
        return;
      }
    } finally {
      clearTimeout(timer);
      this.running.delete(id);
      this.progress.end(id);
      inbox?.close();
    }
    await this.deliver(answer, expiresAt);
  }

  /** Sends a command's result on the current connection, or keeps it on disk for the next. */
  private async deliver(message: ResultMessage, expiresAt: number | null): Promise<void> {
    const outbound = this.outbound;
    if (outbound) {
      try {
        await outbound.result(message);
        return;
      } catch (error) {
        this.options.log(`could not deliver the result of ${message.id}: ${(error as Error).message}`);
      }
    }
    const spool = this.options.spool;
    if (!spool || (expiresAt !== null && expiresAt <= Date.now())) return;
    try {
      await spool.put(message, expiresAt);
      this.options.log(`kept the result of ${message.id} for the next connection`);
    } catch (error) {
      this.options.log(`could not keep the result of ${message.id}: ${(error as Error).message}`);
      return;
    }
    // A connection may have come meanwhile.
    if (this.outbound) void this.flush();
  }

  /** Hands spooled results to the current connection, oldest first; stops at the first failure. */
  private async flush(): Promise<void> {
    const spool = this.options.spool;
    if (!spool || this.flushing) return;
    this.flushing = true;
    try {
      for (;;) {
        const outbound = this.outbound;
        if (!outbound) return;
        const entries = await spool.list();
        if (entries.length === 0) return;
        for (const entry of entries) {
          if (this.outbound !== outbound) return;
          try {
            await outbound.result(entry.message);
          } catch {
            return; // the next connection tries again
          }
          await spool.remove(entry);
          this.options.log(`delivered the result of ${entry.message.id}, kept while disconnected`);
        }
      }
    } catch (error) {
      this.options.log(`could not read the spool: ${(error as Error).message}`);
    } finally {
      this.flushing = false;
    }
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
    outbound: Outbound,
    inbox: Inbox<unknown>,
  ): Promise<void> {
    const handler = this.options.handlers[name] as (
      ctx: HandlerContext,
      input: unknown,
      signal: AbortSignal,
      inbox: AsyncIterable<unknown>,
    ) => Promise<{ items: AsyncIterable<unknown>; result(): unknown }>;
    // Stops the source when the console says nobody listens, as well as on cancel or deadline.
    const stopReading = new AbortController();
    const run = await handler(
      this.options.context,
      input,
      AbortSignal.any([signal, stopReading.signal]),
      inbox,
    );
    const command = commands[name];
    const dropOldest = command.overflow === "drop-oldest";
    const weigh = command.itemBytes as ((item: unknown) => number) | undefined;
    const buffer = new StreamBuffer<unknown>({
      items: this.options.streamBuffer ?? (dropOldest ? 4 : 1000),
      bytes: streamBufferBytes,
      chunkItems: this.options.chunkItems ?? 500,
      chunkBytes: chunkBytes,
      dropOldest,
      weigh,
    });
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
            while (buffer.full && !stopReading.signal.aborted) {
              await new Promise<void>((resolve) => {
                wakeReader = resolve;
              });
            }
            if (stopReading.signal.aborted) break;
          }
          buffer.push(item);
          wakeSender?.();
        }
      } catch (error) {
        readerError = { error };
      } finally {
        readerDone = true;
        wakeSender?.();
      }
    })();

    // Up to `window` chunks travel unacknowledged: the agent reads and encodes the next while the
    // console takes the previous ones in (both ends busy at once), and an ack is a credit.
    const window = this.options.chunksInFlight ?? chunksInFlight;
    let inFlight = 0;
    let refused = false;
    let sendError: { error: unknown } | undefined;
    try {
      let seq = 0;
      for (;;) {
        while (
          !signal.aborted &&
          !refused &&
          !sendError &&
          (inFlight >= window || (buffer.length === 0 && !readerDone))
        ) {
          await new Promise<void>((resolve) => {
            wakeSender = resolve;
          });
        }
        if (signal.aborted || refused || sendError) break;
        if (buffer.length === 0 && readerDone) break;
        const chunk = buffer.take();
        wakeReader?.();
        inFlight += 1;
        const message = plainWire({ id, seq, chunk }, { bytes: weigh !== undefined });
        seq += 1;
        outbound.chunk(message).then(
          (ack) => {
            inFlight -= 1;
            // Nobody listens any more on the console: stop quietly.
            if (!ack.accepted) refused = true;
            wakeSender?.();
          },
          (error: unknown) => {
            inFlight -= 1;
            sendError ??= { error };
            wakeSender?.();
          },
        );
      }
      // The result goes only after every chunk was taken: it ends the console's stream.
      while (inFlight > 0 && !signal.aborted) {
        await new Promise<void>((resolve) => {
          wakeSender = resolve;
        });
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      stopReading.abort();
      wakeReader?.();
    }
    if (refused) return;
    await reader;
    if (signal.aborted) throw signal.reason;
    if (sendError) throw sendError.error;
    if (readerError) throw readerError.error;
    await outbound.result({ id, ok: true, result: run.result() });
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
