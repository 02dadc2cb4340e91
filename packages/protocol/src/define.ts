/**
 * How a command is declared: a unary command answers once; a stream command sends chunks until it
 * ends. A unary command that declares `progress` is a job (pull, backup, restore): it reports how far
 * it got while it runs, and like every unary command it runs to its end across disconnects.
 */
import { z } from "zod";

export interface UnaryCommand<
  I extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType,
> {
  kind: "unary";
  input: I;
  result: R;
  /** How long the console waits by default before the command is cancelled on both ends. */
  defaultTimeoutMs: number;
  /**
   * A job's progress reports. Only the latest matters: the agent sends the newest one when the
   * previous was delivered, so a slow link sees fewer reports, never stale ones.
   */
  progress?: P;
  description: string;
}

/**
 * A stream: items travel in chunks (`{ items, dropped }`), each acknowledged before the next is sent,
 * so a slow consumer slows the agent. When the agent's buffer is full, `overflow` decides: `pause`
 * stops reading the source (nothing is lost: logs, events), `drop-oldest` drops and counts (stats).
 */
export interface StreamCommand<
  I extends z.ZodType = z.ZodType,
  Item extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  A extends z.ZodType = z.ZodType,
> {
  kind: "stream";
  input: I;
  item: Item;
  chunk: z.ZodObject<{ items: z.ZodArray<Item>; dropped: z.ZodNumber }>;
  /** What the agent answers when the stream ends by itself (e.g. the container stopped). */
  result: R;
  overflow: "pause" | "drop-oldest";
  /** What the console may send into the running stream (a terminal's keystrokes and resizes). */
  accepts?: A;
  /**
   * An item's size on the wire, for streams of bulk bytes (file reads, image archives): the agent
   * then bounds what it holds, and each chunk, by bytes as well as by count.
   */
  itemBytes?: (item: z.output<Item>) => number;
  description: string;
}

export type Command = UnaryCommand | StreamCommand;

export function unary<I extends z.ZodType, R extends z.ZodType>(
  spec: Omit<UnaryCommand<I, R>, "kind" | "defaultTimeoutMs" | "progress"> & { defaultTimeoutMs?: number },
): UnaryCommand<I, R, z.ZodNever> {
  return { kind: "unary", defaultTimeoutMs: 30_000, ...spec };
}

/** A job: a unary command that reports progress while it runs. */
export function job<I extends z.ZodType, R extends z.ZodType, P extends z.ZodType>(
  spec: Omit<UnaryCommand<I, R, P>, "kind" | "defaultTimeoutMs"> & { defaultTimeoutMs?: number; progress: P },
): UnaryCommand<I, R, P> & { progress: P } {
  return { kind: "unary", defaultTimeoutMs: 30_000, ...spec };
}

export function stream<
  I extends z.ZodType,
  Item extends z.ZodType,
  R extends z.ZodType,
  A extends z.ZodType = z.ZodNever,
>(spec: Omit<StreamCommand<I, Item, R, A>, "kind" | "chunk">): StreamCommand<I, Item, R, A> {
  const chunk = z.object({ items: z.array(spec.item), dropped: z.number().int().min(0) });
  return { kind: "stream", chunk, ...spec };
}
