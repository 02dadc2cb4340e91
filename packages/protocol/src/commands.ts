/** Every command the console can send an agent, by name (verb + concept), with its types. */
import type { z } from "zod";
import { containerCommands } from "./commands/containers.ts";
import { hostCommands } from "./commands/host.ts";
import { imageCommands } from "./commands/images.ts";
import { jobCommands } from "./commands/jobs.ts";
import { networkCommands } from "./commands/networks.ts";
import { postureCommands } from "./commands/posture.ts";
import { streamCommands } from "./commands/streams.ts";
import { terminalCommands } from "./commands/terminal.ts";
import { topologyCommands } from "./commands/topology.ts";
import { transferCommands } from "./commands/transfers.ts";
import { volumeCommands } from "./commands/volumes.ts";
import type { StreamCommand, UnaryCommand } from "./define.ts";
import { LinkError } from "./errors.ts";

export { fileArchiveLimitBytes, fileReadLimitBytes } from "./commands/containers.ts";

export const commands = {
  ...hostCommands,
  ...containerCommands,
  ...imageCommands,
  ...volumeCommands,
  ...networkCommands,
  ...topologyCommands,
  ...postureCommands,
  ...streamCommands,
  ...terminalCommands,
  ...jobCommands,
  ...transferCommands,
};

type Commands = typeof commands;
export type CommandName = keyof Commands;
export type UnaryCommandName = {
  [N in CommandName]: Commands[N] extends UnaryCommand ? N : never;
}[CommandName];
export type StreamCommandName = {
  [N in CommandName]: Commands[N] extends StreamCommand ? N : never;
}[CommandName];

/** Unary commands that report progress while they run (see `job` in define.ts). */
export type JobCommandName = {
  [N in UnaryCommandName]: Commands[N] extends { progress: z.ZodType } ? N : never;
}[UnaryCommandName];
/** A job's progress report; `never` for commands that report none. */
export type CommandProgress<N extends CommandName> = Commands[N] extends {
  progress: infer P extends z.ZodType;
}
  ? z.output<P>
  : never;

/** What the console may send into a running stream; `never` for streams that take nothing. */
export type StreamInput<N extends CommandName> = Commands[N] extends { accepts?: infer A extends z.ZodType }
  ? z.output<A>
  : never;

/** What a caller passes (defaults may be left out). */
export type CommandInput<N extends CommandName> = z.input<Commands[N]["input"]>;
/** What a handler receives (defaults filled in). */
export type ParsedCommandInput<N extends CommandName> = z.output<Commands[N]["input"]>;
export type CommandResult<N extends CommandName> = z.output<Commands[N]["result"]>;
export type StreamItem<N extends StreamCommandName> = z.output<Commands[N]["item"]>;
export interface StreamChunk<N extends StreamCommandName> {
  items: StreamItem<N>[];
  /** Items the agent dropped before this chunk because the consumer was too slow (stats only). */
  dropped: number;
}

export const commandNames = Object.keys(commands) as [CommandName, ...CommandName[]];

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}

export function isStreamCommand(name: CommandName): name is StreamCommandName {
  return commands[name].kind === "stream";
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) =>
    issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
  );
  throw new LinkError("invalid", `${what}: ${issues.join("; ")}`);
}

/** Checks a command's input; fails with an `invalid` LinkError naming the bad fields. */
export function parseCommandInput<N extends CommandName>(name: N, input: unknown): ParsedCommandInput<N> {
  return parseWith(commands[name].input as z.ZodType, input, `${name} input`) as ParsedCommandInput<N>;
}

export function parseCommandResult<N extends CommandName>(name: N, result: unknown): CommandResult<N> {
  return parseWith(commands[name].result as z.ZodType, result, `${name} result`) as CommandResult<N>;
}

/** Checks a job's progress report; `invalid` for a command that reports none. */
export function parseCommandProgress<N extends CommandName>(name: N, progress: unknown): CommandProgress<N> {
  const schema = (commands[name] as { progress?: z.ZodType }).progress;
  if (!schema) throw new LinkError("invalid", `${name} reports no progress`);
  return parseWith(schema, progress, `${name} progress`) as CommandProgress<N>;
}

/** Checks input for a running stream; `invalid` for a stream that takes none. */
export function parseStreamInput<N extends CommandName>(name: N, input: unknown): StreamInput<N> {
  const schema = (commands[name] as { accepts?: z.ZodType }).accepts;
  if (!schema) throw new LinkError("invalid", `${name} takes no input`);
  return parseWith(schema, input, `${name} input while running`) as StreamInput<N>;
}

export function parseStreamChunk<N extends StreamCommandName>(name: N, chunk: unknown): StreamChunk<N> {
  return parseWith(commands[name].chunk as z.ZodType, chunk, `${name} chunk`) as StreamChunk<N>;
}
