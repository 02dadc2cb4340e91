/**
 * Container logs: tail, follow, since/until, stdout and stderr apart, TTY containers, many containers
 * merged by time, and resume from a cursor with no lost and no duplicated line.
 */
import { setMaxListeners } from "node:events";
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import type { DockerClient } from "./client.ts";
import { openStream } from "./engine-stream.ts";
import { engineCall, RuntimeError, toRuntimeError } from "./errors.ts";
import { advanceCursor, type LogCursor, ResumeFilter } from "./logs/cursor.ts";
import { FrameDemuxer, FrameError } from "./logs/demux.ts";
import { FrameLineParser, type ParsedLine, RawLineParser } from "./logs/lines.ts";
import { mergeByArrival, mergeByKey } from "./logs/merge.ts";
import { isTimestamp, nanosToTimestamp, timestampToQuery } from "./logs/timestamps.ts";
import { parseInput } from "./parse-input.ts";

export type { LogCursor } from "./logs/cursor.ts";
export { advanceCursor, ResumeFilter } from "./logs/cursor.ts";
export { encodeFrame, FrameDemuxer } from "./logs/demux.ts";
export { mergeByArrival, mergeByKey } from "./logs/merge.ts";
export { nanosToTimestamp, timestampToNanos, timestampToQuery } from "./logs/timestamps.ts";

/** Lines shown when a view opens without a cursor: the Engine reads them from the end of the file. */
export const defaultLogTail = 100;

export const TimestampSchema = z.string().refine(isTimestamp, "must be an RFC 3339 timestamp");

export const LogCursorSchema = z.object({
  timestamp: TimestampSchema,
  linesAtTimestamp: z.number().int().min(0),
});

export const LogLineSchema = z.object({
  containerId: z.string(),
  stream: z.enum(["stdout", "stderr"]),
  /** RFC 3339 with nanoseconds, as the Engine stamped the line. */
  timestamp: z.string(),
  /** The text without its line end. */
  line: z.string(),
});
export type LogLine = z.infer<typeof LogLineSchema>;

export const LogsOptionsSchema = z.object({
  follow: z.boolean().default(false),
  /** Last N lines, or "all". Ignored when resuming from a cursor. */
  tail: z.union([z.number().int().min(0), z.literal("all")]).optional(),
  since: TimestampSchema.optional(),
  until: TimestampSchema.optional(),
  stdout: z.boolean().default(true),
  stderr: z.boolean().default(true),
  /** Resume after the last delivered line: wins over `since` and `tail`. */
  cursor: LogCursorSchema.optional(),
});
export type LogsOptions = z.input<typeof LogsOptionsSchema>;
type ParsedOptions = z.output<typeof LogsOptionsSchema>;

export const MergedLogsOptionsSchema = LogsOptionsSchema.omit({ cursor: true }).extend({
  /** Per container id: where each one's previous read stopped. */
  cursors: z.record(z.string(), LogCursorSchema).default({}),
});
export type MergedLogsOptions = z.input<typeof MergedLogsOptionsSchema>;

/** A log read: iterate it once; `cursor` always names the last line handed to the consumer. */
export interface LogReader extends AsyncIterable<LogLine> {
  readonly cursor: LogCursor | undefined;
  /** The same read a batch of lines at a time (cheaper per line), instead of line by line. */
  batches(): AsyncIterable<LogLine[]>;
}

export interface MergedLogReader extends AsyncIterable<LogLine> {
  /** Per container id, the last line handed to the consumer. */
  readonly cursors: Readonly<Record<string, LogCursor>>;
}

interface Target {
  id: string;
  name: string;
  tty: boolean;
}

async function resolveTarget(client: DockerClient, ref: string): Promise<Target> {
  const info = await engineCall(`logs of container "${ref}"`, () =>
    client.docker.getContainer(ref).inspect(),
  );
  return { id: info.Id, name: info.Name.replace(/^\//, ""), tty: info.Config.Tty };
}

/** The Engine query: timestamps always (for resume), `tail` for a first view, `since` for a resume. */
export function logsQuery(options: ParsedOptions): Record<string, string | number | boolean | undefined> {
  const start = options.cursor
    ? { since: timestampToQuery(options.cursor.timestamp), tail: "all" }
    : options.since
      ? { since: timestampToQuery(options.since), tail: options.tail ?? "all" }
      : { tail: options.tail ?? defaultLogTail };
  return {
    follow: options.follow,
    stdout: options.stdout,
    stderr: options.stderr,
    timestamps: true,
    until: options.until ? timestampToQuery(options.until) : undefined,
    ...start,
  };
}

/**
 * Parsed lines of one response body, a batch per chunk read (fewer async steps per line). The
 * consumer's pace drives the socket: nothing is read ahead of what it asks for (backpressure).
 */
async function* parseBody(body: IncomingMessage, tty: boolean): AsyncGenerator<ParsedLine[]> {
  if (tty) {
    const parser = new RawLineParser();
    for await (const chunk of body) yield parser.push(chunk as Buffer);
    yield parser.flush();
    return;
  }
  const demuxer = new FrameDemuxer();
  const parser = new FrameLineParser();
  for await (const chunk of body) {
    const lines: ParsedLine[] = [];
    for (const frame of demuxer.push(chunk as Buffer)) {
      for (const line of parser.push(frame)) lines.push(line);
    }
    yield lines;
  }
  yield parser.flush();
}

class ContainerLogReader implements LogReader {
  private last: LogCursor | undefined;

  constructor(
    private readonly client: DockerClient,
    private readonly target: Target | string,
    private readonly options: ParsedOptions,
    private readonly signal?: AbortSignal,
  ) {
    this.last = options.cursor && { ...options.cursor };
  }

  get cursor(): LogCursor | undefined {
    return this.last && { ...this.last };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LogLine> {
    for await (const batch of this.read()) {
      for (const line of batch) {
        // Lines already parsed from the last chunk are not delivered once the caller has stopped.
        if (this.signal?.aborted) return;
        this.deliver(line.timestamp);
        yield line;
      }
    }
  }

  /** The same lines a batch per chunk; the cursor covers each batch as it is handed over. */
  async *batches(): AsyncGenerator<LogLine[]> {
    for await (const batch of this.read()) {
      if (this.signal?.aborted) return;
      if (batch.length === 0) continue;
      for (const line of batch) this.deliver(line.timestamp);
      yield batch;
    }
  }

  private deliver(timestamp: string): void {
    if (this.last && this.last.timestamp === timestamp) this.last.linesAtTimestamp++;
    else this.last = { timestamp, linesAtTimestamp: 1 };
  }

  private async *read(): AsyncGenerator<LogLine[]> {
    const target =
      typeof this.target === "string" ? await resolveTarget(this.client, this.target) : this.target;
    const what = `logs of container "${target.name}"`;
    const body = await openStream(this.client, {
      method: "GET",
      path: `/containers/${target.id}/logs?`,
      query: logsQuery(this.options),
      what,
      signal: this.signal,
      statusCodes: { 404: "no such container" },
    });
    const filter = new ResumeFilter(this.options.cursor);
    try {
      for await (const parsed of parseBody(body, target.tty)) {
        const lines: LogLine[] = [];
        for (const line of parsed) {
          if (filter.accept(line.timestamp)) lines.push({ containerId: target.id, ...line });
        }
        yield lines;
      }
    } catch (error) {
      // Aborting is how a caller stops following: end quietly, the cursor says where we were.
      if (this.signal?.aborted) return;
      if (error instanceof FrameError) throw new RuntimeError("engine", `${what}: ${error.message}`);
      throw toRuntimeError(error, what);
    } finally {
      body.destroy();
    }
  }
}

/**
 * Reads (and with `follow`, keeps reading) one container's log. Without cursor or `since` it starts
 * from the last `tail` lines (default {@link defaultLogTail}); with a cursor it resumes right after
 * the last delivered line. Aborting `signal` ends the iteration without an error.
 */
export function containerLogs(
  client: DockerClient,
  container: string,
  options: LogsOptions = {},
  signal?: AbortSignal,
): LogReader {
  const parsed = parseInput(LogsOptionsSchema, options, `logs of container "${container}"`);
  return new ContainerLogReader(client, container, parsed, signal);
}

class MergedReader implements MergedLogReader {
  private readonly own: Record<string, LogCursor>;
  private targets: Target[] = [];
  /** Backlog lines are merged exactly by time, so every line before this one has been delivered. */
  private watermark: string | undefined;

  constructor(
    private readonly client: DockerClient,
    private readonly refs: string[],
    private readonly options: z.output<typeof MergedLogsOptionsSchema>,
    private readonly signal?: AbortSignal,
  ) {
    this.own = { ...options.cursors };
  }

  /** A container with nothing delivered yet resumes from the watermark: nothing of it is older. */
  get cursors(): Record<string, LogCursor> {
    const cursors = { ...this.own };
    const mark = this.watermark;
    if (mark === undefined) return cursors;
    for (const { id } of this.targets) {
      const own = cursors[id];
      if (!own || own.timestamp < mark) cursors[id] = { timestamp: mark, linesAtTimestamp: 0 };
    }
    return cursors;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LogLine> {
    this.targets = await Promise.all(this.refs.map((ref) => resolveTarget(this.client, ref)));
    const stop = new AbortController();
    const signal = this.signal ? AbortSignal.any([this.signal, stop.signal]) : stop.signal;
    // Every container's request listens on this one signal: many listeners are expected here.
    setMaxListeners(this.targets.length * 2 + 10, signal);
    // The backlog is read up to one instant and merged exactly by time; live lines after it are
    // merged as they arrive, each container continuing from its own cursor.
    const until = this.options.until ?? nanosToTimestamp(BigInt(Date.now()) * 1_000_000n);
    try {
      const backlog = this.targets.map((target) => this.read(target, { follow: false, until }, signal));
      yield* this.deliver(
        mergeByKey(backlog, (line) => line.timestamp),
        true,
      );
      if (!this.options.follow || this.options.until || signal.aborted) return;
      this.watermark = until;
      const cursors = this.cursors;
      const live = this.targets.map((target) =>
        this.read(target, { follow: true, until: undefined, cursor: cursors[target.id] }, signal),
      );
      yield* this.deliver(mergeByArrival(live), false);
    } finally {
      stop.abort();
    }
  }

  private read(target: Target, overrides: Partial<ParsedOptions>, signal: AbortSignal): LogReader {
    const options = { ...this.options, cursor: this.cursors[target.id], ...overrides };
    return new ContainerLogReader(this.client, target, options, signal);
  }

  private async *deliver(lines: AsyncIterable<LogLine>, ordered: boolean): AsyncGenerator<LogLine> {
    for await (const line of lines) {
      this.own[line.containerId] = advanceCursor(this.own[line.containerId], line.timestamp);
      if (ordered) this.watermark = line.timestamp;
      yield line;
    }
  }
}

/**
 * The logs of many containers as one stream ordered by time: the backlog (last `tail` lines of each,
 * or everything after each one's cursor) exactly, then live lines as they come when `follow` is set.
 */
export function mergedLogs(
  client: DockerClient,
  containers: string[],
  options: MergedLogsOptions = {},
  signal?: AbortSignal,
): MergedLogReader {
  const parsed = parseInput(MergedLogsOptionsSchema, options, "merged logs");
  return new MergedReader(client, containers, parsed, signal);
}
