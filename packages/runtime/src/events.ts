/**
 * The Engine's event stream (containers, images, volumes, networks) as typed events, each with an
 * id to resume from. The Engine replays from its in-memory buffer (the last 256 events), so a
 * resume after a longer break starts at the oldest event it still holds.
 */
import { z } from "zod";
import type { DockerClient } from "./client.ts";
import { openStream } from "./engine-stream.ts";
import { RuntimeError, toRuntimeError } from "./errors.ts";
import { ResumeFilter } from "./logs/cursor.ts";
import { isTimestamp, nanosToQuery, nanosToTimestamp, timestampToNanos } from "./logs/timestamps.ts";
import { parseInput } from "./parse-input.ts";

export const eventTypes = [
  "container",
  "image",
  "volume",
  "network",
  "daemon",
  "plugin",
  "service",
  "node",
  "secret",
  "config",
] as const;

/** "<timeNano>-<n>": the event's time and its rank among events of that same nanosecond. */
export const EventIdSchema = z.string().regex(/^\d+-\d+$/, "must be an event id like 1700000000000000000-0");

export const EngineEventSchema = z.object({
  id: EventIdSchema,
  type: z.string(),
  action: z.string(),
  actor: z.object({ id: z.string(), attributes: z.record(z.string(), z.string()) }),
  scope: z.string(),
  /** RFC 3339 with nanoseconds. */
  time: z.string(),
  /** Nanoseconds since the epoch, as a decimal string (too big for a JS number). */
  timeNano: z.string(),
});
export type EngineEvent = z.infer<typeof EngineEventSchema>;

const timeOrId = z.string().refine((value) => isTimestamp(value) || EventIdSchema.safeParse(value).success, {
  message: "must be an RFC 3339 timestamp or an event id",
});

export const EventsOptionsSchema = z.object({
  /** Resume after this event id, or start at this time. Without it, only new events. */
  since: timeOrId.optional(),
  /** Stop at this time (RFC 3339); without it the stream stays open. */
  until: z.string().refine(isTimestamp, "must be an RFC 3339 timestamp").optional(),
  types: z.array(z.enum(eventTypes)).default(["container", "image", "volume", "network"]),
  /** Other Engine filters: container, image, label, event, network, volume, … */
  filters: z.record(z.string(), z.array(z.string())).default({}),
});
export type EventsOptions = z.input<typeof EventsOptionsSchema>;

/** An event stream: iterate once; `lastId` names the last event handed to the consumer. */
export interface EventReader extends AsyncIterable<EngineEvent> {
  readonly lastId: string | undefined;
}

interface RawEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  scope?: string;
  timeNano?: number | string;
  time?: number;
}

/** Where an id or time points: the nanosecond to ask for and how many events there to skip. */
function resumePoint(since: string): { nanos: bigint; skip: number } {
  if (isTimestamp(since)) return { nanos: timestampToNanos(since), skip: 0 };
  const [nanos = "0", rank = "0"] = since.split("-");
  return { nanos: BigInt(nanos), skip: Number(rank) + 1 };
}

/**
 * timeNano arrives as a JSON number, which loses the last digits of a nanosecond time; the raw text
 * keeps them, so each line's timeNano is read from the text itself.
 */
function exactTimeNano(line: string, raw: RawEvent): bigint {
  const match = /"timeNano":\s*(\d+)/.exec(line);
  if (match) return BigInt(match[1] as string);
  return BigInt(raw.time ?? 0) * 1_000_000_000n;
}

class EngineEventReader implements EventReader {
  lastId: string | undefined;
  private lastNanos: bigint | undefined;
  private rank = 0;

  constructor(
    private readonly client: DockerClient,
    private readonly options: z.output<typeof EventsOptionsSchema>,
    private readonly signal?: AbortSignal,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<EngineEvent> {
    const start = this.options.since ? resumePoint(this.options.since) : undefined;
    const body = await openStream(this.client, {
      method: "GET",
      path: "/events?",
      query: {
        since: start ? nanosToQuery(start.nanos) : undefined,
        until: this.options.until ? nanosToQuery(timestampToNanos(this.options.until)) : undefined,
        filters: { ...this.options.filters, type: this.options.types },
      },
      what: "read Engine events",
      signal: this.signal,
    });
    body.setEncoding("utf8"); // decodes characters split across chunks
    if (start) this.seed(start);
    const filter = new ResumeFilter(
      start && start.skip > 0
        ? { timestamp: nanosToTimestamp(start.nanos), linesAtTimestamp: start.skip }
        : undefined,
    );
    try {
      for await (const line of jsonLines(body)) {
        const raw = JSON.parse(line) as RawEvent;
        const nanos = exactTimeNano(line, raw);
        if (!filter.accept(nanosToTimestamp(nanos))) continue;
        yield this.toEvent(raw, nanos);
      }
    } catch (error) {
      if (this.signal?.aborted) return;
      if (error instanceof SyntaxError)
        throw new RuntimeError("engine", `read Engine events: ${error.message}`);
      throw toRuntimeError(error, "read Engine events");
    } finally {
      body.destroy();
    }
  }

  /** After resuming from an id, ranks at that nanosecond continue where they stopped. */
  private seed(start: { nanos: bigint; skip: number }): void {
    this.lastNanos = start.nanos;
    this.rank = start.skip - 1;
  }

  private toEvent(raw: RawEvent, nanos: bigint): EngineEvent {
    this.rank = nanos === this.lastNanos ? this.rank + 1 : 0;
    this.lastNanos = nanos;
    const id = `${nanos}-${this.rank}`;
    this.lastId = id;
    return {
      id,
      type: raw.Type ?? "",
      action: raw.Action ?? "",
      actor: { id: raw.Actor?.ID ?? "", attributes: raw.Actor?.Attributes ?? {} },
      scope: raw.scope ?? "local",
      time: nanosToTimestamp(nanos),
      timeNano: nanos.toString(),
    };
  }
}

/** Splits a byte stream into text lines (the Engine writes one JSON object per line). */
async function* jsonLines(body: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of body) {
    rest += chunk;
    let end = rest.indexOf("\n");
    while (end !== -1) {
      const line = rest.slice(0, end).trim();
      rest = rest.slice(end + 1);
      if (line) yield line;
      end = rest.indexOf("\n");
    }
  }
  if (rest.trim()) yield rest.trim();
}

/**
 * Engine events from `since` (a time, or the id of the last event already handled: that one is not
 * repeated) until `until` or until the signal aborts. Aborting ends the iteration without an error.
 */
export function engineEvents(
  client: DockerClient,
  options: EventsOptions = {},
  signal?: AbortSignal,
): EventReader {
  const parsed = parseInput(EventsOptionsSchema, options, "read Engine events");
  return new EngineEventReader(client, parsed, signal);
}
