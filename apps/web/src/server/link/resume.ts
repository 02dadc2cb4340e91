/**
 * Live streams that survive disconnects: when the agent's connection drops, wait until it is back
 * and ask again from where the last delivered item left off. Logs resume from a cursor (timestamp
 * + lines at it), events from the last event id; the runtime skips what was already delivered, so
 * the consumer sees no gap and no duplicate. Stats simply start again (a missed sweep is history).
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  type CommandInput,
  isLinkError,
  LinkError,
  type StreamCommandName,
  type StreamItem,
} from "@dockfleet/protocol";
import { advanceCursor, type LogCursor } from "@dockfleet/runtime";
import type { LinkRegistry } from "./registry.ts";

/** A follow that starts while the host is offline fails at once; only a follow under way waits. */
async function assertConnected(link: LinkRegistry, hostId: string, what: string): Promise<void> {
  if (!(await link.isReachable(hostId))) {
    throw new LinkError("offline", `${what}: the host's agent is not connected`);
  }
}

/**
 * Waits until the host is back, and a little longer after each attempt in a row that failed
 * before delivering anything: the inventory may still name a replica that lost the agent.
 */
async function untilBack(
  link: LinkRegistry,
  hostId: string,
  fruitless: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  await link.whenConnected(hostId, signal);
  if (fruitless > 0) await sleep(Math.min(5_000, 100 * 2 ** fruitless), undefined, { signal });
}

export interface ResumeOptions {
  signal?: AbortSignal;
  /** Called each time the stream is asked for again after a disconnect. */
  onResume?(from: string): void;
}

/** Where a resumable stream stands: the input that asks for the rest, and what the log line says. */
interface Position<N extends StreamCommandName> {
  input(): CommandInput<N>;
  advance(item: StreamItem<N>): void;
  describe(): string;
}

async function* resumable<N extends StreamCommandName>(
  link: LinkRegistry,
  hostId: string,
  name: N,
  position: Position<N>,
  options: ResumeOptions,
): AsyncGenerator<StreamItem<N>> {
  await assertConnected(link, hostId, name);
  for (let fruitless = 0; ; ) {
    let delivered = false;
    const stream = link.stream(hostId, name, position.input(), { signal: options.signal });
    try {
      for await (const chunk of stream) {
        if (chunk.items.length > 0) delivered = true;
        for (const item of chunk.items) {
          position.advance(item);
          yield item;
        }
      }
      return; // ended by itself: the container stopped, or `follow: false`
    } catch (error) {
      if (!isLinkError(error, "offline") || options.signal?.aborted) throw error;
    } finally {
      stream.cancel();
    }
    fruitless = delivered ? 0 : fruitless + 1;
    await untilBack(link, hostId, fruitless, options.signal);
    options.onResume?.(position.describe());
  }
}

/** Follows a container's log through the host's agent, across reconnects of that agent. */
export function followLogs(
  link: LinkRegistry,
  hostId: string,
  input: CommandInput<"logs.follow">,
  options: ResumeOptions = {},
): AsyncGenerator<StreamItem<"logs.follow">> {
  let cursor: LogCursor | undefined = input.cursor;
  return resumable(
    link,
    hostId,
    "logs.follow",
    {
      input: () => (cursor ? { ...input, cursor } : input),
      advance: (line) => {
        cursor = advanceCursor(cursor, line.timestamp);
      },
      describe: () => (cursor ? `${cursor.timestamp} (+${cursor.linesAtTimestamp})` : "the start"),
    },
    options,
  );
}

/** Follows the host's Engine events across reconnects of its agent, resuming after the last event id. */
export function followEvents(
  link: LinkRegistry,
  hostId: string,
  input: CommandInput<"events.follow">,
  options: ResumeOptions = {},
): AsyncGenerator<StreamItem<"events.follow">> {
  let since = input.since;
  return resumable(
    link,
    hostId,
    "events.follow",
    {
      input: () => ({ ...input, since }),
      advance: (event) => {
        since = event.id;
      },
      describe: () => since ?? "now",
    },
    options,
  );
}

/** Resource sweeps of a host's containers, across reconnects of its agent. */
export function followStats(
  link: LinkRegistry,
  hostId: string,
  input: CommandInput<"stats.follow">,
  options: ResumeOptions = {},
): AsyncGenerator<StreamItem<"stats.follow">> {
  return resumable(
    link,
    hostId,
    "stats.follow",
    { input: () => input, advance: () => undefined, describe: () => "the next sweep" },
    options,
  );
}
