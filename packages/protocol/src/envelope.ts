/**
 * The messages around commands. Console → agent (on the `commands` subscription): a command, a
 * cancel, or input for a running stream. Agent → console: the result (or error) of a command, and stream chunks, each acknowledged.
 */
import { z } from "zod";
import { commandNames } from "./commands.ts";
import { LinkErrorSchema } from "./errors.ts";

export const CommandIdSchema = z.string().min(1).max(64);

/** One command to run. `deadline` is in the console's clock (ms since the epoch); null: until cancelled. */
export const CommandEnvelopeSchema = z.object({
  kind: z.literal("command"),
  id: CommandIdSchema,
  name: z.enum(commandNames),
  input: z.unknown(),
  deadline: z.number().int().nullable(),
});
export type CommandEnvelope = z.infer<typeof CommandEnvelopeSchema>;

/** Stop running command `id` (its deadline passed, or nobody listens to the stream any more). */
export const CancelMessageSchema = z.object({
  kind: z.literal("cancel"),
  id: CommandIdSchema,
  reason: z.enum(["timeout", "cancelled"]),
});
export type CancelMessage = z.infer<typeof CancelMessageSchema>;

/** Something for running stream `id` to take in (checked against the command's `accepts`). */
export const StreamInputMessageSchema = z.object({
  kind: z.literal("input"),
  id: CommandIdSchema,
  input: z.unknown(),
});
export type StreamInputMessage = z.infer<typeof StreamInputMessageSchema>;

export const ConsoleMessageSchema = z.discriminatedUnion("kind", [
  CommandEnvelopeSchema,
  CancelMessageSchema,
  StreamInputMessageSchema,
]);
export type ConsoleMessage = z.infer<typeof ConsoleMessageSchema>;

/** The end of a command: its result (checked against the command's result schema) or a typed error. */
export const ResultMessageSchema = z.discriminatedUnion("ok", [
  z.object({ id: CommandIdSchema, ok: z.literal(true), result: z.unknown() }),
  z.object({ id: CommandIdSchema, ok: z.literal(false), error: LinkErrorSchema }),
]);
export type ResultMessage = z.infer<typeof ResultMessageSchema>;

/** One chunk of stream `id`; `seq` counts from 0 so the console can tell a gap or a replay. */
export const ChunkMessageSchema = z.object({
  id: CommandIdSchema,
  seq: z.number().int().min(0),
  chunk: z.unknown(),
});
export type ChunkMessage = z.infer<typeof ChunkMessageSchema>;

/** The console's answer to a chunk: `accepted: false` means nobody wants this stream any more. */
export const ChunkAckSchema = z.object({ accepted: z.boolean() });
export type ChunkAck = z.infer<typeof ChunkAckSchema>;

/** How far job `id` got; only the latest report matters (see `progress` in define.ts). */
export const ProgressMessageSchema = z.object({
  id: CommandIdSchema,
  progress: z.unknown(),
});
export type ProgressMessage = z.infer<typeof ProgressMessageSchema>;
