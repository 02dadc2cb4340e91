/**
 * One connected agent as the console sees it: the commands waiting to go out on its `commands`
 * subscription, the calls awaiting a result, and the streams receiving chunks.
 */
import { randomUUID } from "node:crypto";
import {
  type ChunkAck,
  type ChunkMessage,
  type CommandInput,
  type CommandName,
  type CommandProgress,
  type CommandResult,
  type ConsoleMessage,
  commands,
  LinkError,
  type ProgressMessage,
  parseCommandInput,
  parseCommandProgress,
  parseCommandResult,
  parseStreamChunk,
  parseStreamInput,
  type ResultMessage,
  type StreamChunk,
  type StreamCommandName,
  type StreamInput,
  type UnaryCommandName,
} from "@dockfleet/protocol";
import { Channel } from "./channel.ts";
import { type StreamEnds, type StreamOutcome, streamEnds } from "./stream-ends.ts";

export interface CallOptions<N extends CommandName = CommandName> {
  /** Overrides the command's default deadline. */
  timeoutMs?: number;
  /** Aborting cancels the command on both ends with a `cancelled` error. */
  signal?: AbortSignal;
  /** A job's progress reports, latest first-come (reports may be skipped, never reordered). */
  onProgress?: (progress: CommandProgress<N>) => void;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** Chunks held for a slow consumer before the agent is made to wait (default 8). */
  bufferChunks?: number;
}

/** A stream's chunks; `result` settles when it ends (with the command's result or its error). */
export interface LinkStream<N extends StreamCommandName> extends AsyncIterable<StreamChunk<N>> {
  readonly id: string;
  /** Settles when the stream ends; rejects with its LinkError. Iterating surfaces the same error. */
  readonly result: Promise<CommandResult<N>>;
  /** Stops the stream on both ends. */
  cancel(): void;
  /**
   * Sends input into the running stream (a terminal's keystrokes); checked here, `invalid` when it
   * does not match. Dropped once the stream ended.
   */
  send(input: StreamInput<N>): void;
}

/** A call waiting for its result; parked once its connection dropped before the answer came. */
export interface PendingCall {
  name: CommandName;
  resolve(result: unknown): void;
  reject(error: LinkError): void;
  /** The connection dropped: the answer may come on the agent's next connection. */
  parked: boolean;
  /** Answered, failed, timed out or cancelled. */
  settled: boolean;
  onProgress?(progress: unknown): void;
}

/** Hands a job's progress report to its caller; reports that do not match the command's schema are dropped. */
export function reportProgress(call: PendingCall, message: ProgressMessage): void {
  if (call.settled || !call.onProgress) return;
  let progress: unknown;
  try {
    progress = parseCommandProgress(call.name, message.progress);
  } catch {
    return; // a report is advice: a bad one must not fail the job
  }
  call.onProgress(progress);
}

/** Settles a call with the agent's answer, checked against the command's result schema. */
export function settleCall(call: PendingCall, message: ResultMessage): void {
  if (!message.ok) {
    call.reject(LinkError.from(message.error));
    return;
  }
  try {
    call.resolve(parseCommandResult(call.name, message.result));
  } catch (error) {
    call.reject(error as LinkError);
  }
}

/** What a connection hands to its registry. */
export interface ConnectionHooks {
  /** A call whose connection dropped before its answer (see `close`). */
  park?(id: string, call: PendingCall): void;
  /** A parked call timed out or was cancelled: tell the agent wherever it is now. */
  cancelParked?(id: string, reason: "timeout" | "cancelled"): void;
  /** An answer for no call of this connection: maybe one parked from an earlier connection. */
  unknownResult?(message: ResultMessage): void;
  /** Progress of no call of this connection: maybe of one parked from an earlier connection. */
  unknownProgress?(message: ProgressMessage): void;
}

interface OpenStream {
  name: StreamCommandName;
  chunks: Channel<StreamChunk<StreamCommandName>>;
  nextSeq: number;
  settle(result: StreamOutcome): void;
}

export interface AgentConnectionInfo {
  hostId: string;
  hostName: string;
  credentialId: string;
  agentVersion: string;
  connectedAt: Date;
}

/** A stream that never opened: iterating it (or awaiting `result`) gives `error`. */
export function failedStream<N extends StreamCommandName>(error: LinkError): LinkStream<N> {
  const result = Promise.reject(error);
  result.catch(() => undefined);
  return {
    id: "",
    result,
    cancel: () => undefined,
    send: () => undefined,
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
  };
}

export class AgentConnection {
  /** What the agent's `commands` subscription reads. */
  readonly outbox = new Channel<ConsoleMessage>();
  private readonly calls = new Map<string, PendingCall>();
  private readonly streams = new Map<string, OpenStream>();
  private closedWith: LinkError | undefined;

  constructor(
    readonly info: AgentConnectionInfo,
    /** Ends the underlying WebSocket (revocation, replacement, shutdown). */
    private readonly closeSocket: (code: number, reason: string) => void,
    private readonly hooks: ConnectionHooks = {},
  ) {}

  get hostId(): string {
    return this.info.hostId;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  call<N extends UnaryCommandName>(
    name: N,
    input: CommandInput<N>,
    options: CallOptions<N> = {},
  ): Promise<CommandResult<N>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    let parsed: unknown;
    try {
      parsed = parseCommandInput(name, input);
    } catch (error) {
      return Promise.reject(error);
    }
    const id = randomUUID();
    const timeoutMs = options.timeoutMs ?? commands[name].defaultTimeoutMs;
    const signal = options.signal;
    if (signal?.aborted)
      return Promise.reject(new LinkError("cancelled", `${name}: cancelled before it was sent`));
    return new Promise<CommandResult<N>>((resolve, reject) => {
      const done = () => {
        entry.settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.calls.delete(id);
      };
      const cancel = (reason: "timeout" | "cancelled") => {
        if (entry.parked) this.hooks.cancelParked?.(id, reason);
        else this.outbox.offer({ kind: "cancel", id, reason });
      };
      const timer = setTimeout(() => {
        done();
        cancel("timeout");
        reject(
          entry.parked
            ? new LinkError(
                "offline",
                `${name} on host ${this.info.hostName}: the agent disconnected and did not bring the answer back within ${timeoutMs} ms`,
              )
            : new LinkError(
                "timeout",
                `${name} on host ${this.info.hostName}: no answer within ${timeoutMs} ms`,
              ),
        );
      }, timeoutMs);
      const onAbort = () => {
        done();
        cancel("cancelled");
        reject(new LinkError("cancelled", `${name} on host ${this.info.hostName}: cancelled`));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const entry: PendingCall = {
        name,
        parked: false,
        settled: false,
        onProgress: options.onProgress as PendingCall["onProgress"],
        resolve: (result) => {
          if (entry.settled) return;
          done();
          resolve(result as CommandResult<N>);
        },
        reject: (error) => {
          if (entry.settled) return;
          done();
          reject(error);
        },
      };
      this.calls.set(id, entry);
      this.outbox.offer({ kind: "command", id, name, input: parsed, deadline: Date.now() + timeoutMs });
    });
  }

  stream<N extends StreamCommandName>(
    name: N,
    input: CommandInput<N>,
    options: StreamOptions = {},
  ): LinkStream<N> {
    let parsed: unknown;
    try {
      parsed = parseCommandInput(name, input);
    } catch (error) {
      return failedStream(error as LinkError);
    }
    const id = randomUUID();
    const ends: StreamEnds<N> = streamEnds<N>({
      window: options.bufferChunks ?? 8,
      signal: options.signal,
      onCancel: () => {
        if (!this.streams.delete(id)) return;
        this.outbox.offer({ kind: "cancel", id, reason: "cancelled" });
        ends.finish({ ok: false, error: new LinkError("cancelled", `${name}: stopped by the console`) });
      },
    });
    const stream = ends.stream(id, (value) => {
      const checked = parseStreamInput(name, value);
      if (!ends.settled) this.outbox.offer({ kind: "input", id, input: checked });
    });
    if (this.closedWith) {
      ends.finish({ ok: false, error: this.closedWith });
      return stream;
    }
    if (options.signal?.aborted) {
      ends.finish({ ok: false, error: new LinkError("cancelled", `${name}: cancelled before it was sent`) });
      return stream;
    }
    this.streams.set(id, {
      name,
      chunks: ends.chunks as unknown as Channel<StreamChunk<StreamCommandName>>,
      nextSeq: 0,
      settle: (outcome) => {
        this.streams.delete(id);
        ends.finish(outcome);
      },
    });
    this.outbox.offer({ kind: "command", id, name, input: parsed, deadline: null });
    return stream;
  }

  /** The agent's answer to a command (unary result, or the end of a stream). */
  handleResult(message: ResultMessage): void {
    const call = this.calls.get(message.id);
    if (call) {
      settleCall(call, message);
      return;
    }
    const stream = this.streams.get(message.id);
    if (!stream) {
      // Kept by the agent across a disconnect, or timed out or cancelled meanwhile.
      this.hooks.unknownResult?.(message);
      return;
    }
    if (!message.ok) {
      stream.settle({ ok: false, error: LinkError.from(message.error) });
      return;
    }
    try {
      stream.settle({ ok: true, value: parseCommandResult(stream.name, message.result) });
    } catch (error) {
      stream.settle({ ok: false, error: error as LinkError });
    }
  }

  /** A job's progress report, for its caller. */
  handleProgress(message: ProgressMessage): void {
    const call = this.calls.get(message.id);
    if (call) reportProgress(call, message);
    else this.hooks.unknownProgress?.(message);
  }

  /**
   * A chunk of an open stream. Resolves once the consumer has room for it: the agent waits for
   * this answer before sending the next chunk, so a slow consumer slows the source.
   */
  async handleChunk(message: ChunkMessage): Promise<ChunkAck> {
    const stream = this.streams.get(message.id);
    if (!stream) return { accepted: false };
    if (message.seq < stream.nextSeq) return { accepted: true }; // a replay of what we have
    if (message.seq > stream.nextSeq) {
      const error = new LinkError("internal", `${stream.name}: chunk ${stream.nextSeq} never arrived`);
      this.outbox.offer({ kind: "cancel", id: message.id, reason: "cancelled" });
      stream.settle({ ok: false, error });
      return { accepted: false };
    }
    let chunk: StreamChunk<StreamCommandName>;
    try {
      chunk = parseStreamChunk(stream.name, message.chunk);
    } catch (error) {
      this.outbox.offer({ kind: "cancel", id: message.id, reason: "cancelled" });
      stream.settle({ ok: false, error: error as LinkError });
      return { accepted: false };
    }
    stream.nextSeq += 1;
    return { accepted: await stream.chunks.push(chunk) };
  }

  /**
   * The connection is gone: every stream fails with `error` (the console asks again); calls fail
   * too, unless `park`: the agent may still be running them and bring their answers on its next
   * connection, so they wait (up to their deadlines) for that. The socket is closed with `code`
   * when one is given.
   */
  close(error: LinkError, socket?: { code: number; reason: string }, options: { park?: boolean } = {}): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const [id, call] of [...this.calls]) {
      if (options.park && this.hooks.park) {
        call.parked = true;
        this.hooks.park(id, call);
      } else {
        call.reject(error);
      }
    }
    this.calls.clear();
    for (const stream of [...this.streams.values()]) stream.settle({ ok: false, error });
    this.streams.clear();
    this.outbox.end();
    if (socket) this.closeSocket(socket.code, socket.reason);
  }

  /** Calls and streams in flight, for tests and diagnostics. */
  get inFlight(): { calls: number; streams: number } {
    return { calls: this.calls.size, streams: this.streams.size };
  }
}
