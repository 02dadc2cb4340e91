/** Live streams from a host: container logs, resource stats, Engine events. */
import {
  EngineEventSchema,
  EventIdSchema,
  EventsOptionsSchema,
  LogCursorSchema,
  LogLineSchema,
  StatsSweepSchema,
  TimestampSchema,
} from "@dockfleet/runtime";
import { z } from "zod";
import { stream } from "../define.ts";
import { ContainerRefSchema } from "./containers.ts";

export const streamCommands = {
  "logs.follow": stream({
    description: "A container's log: the last `tail` lines (or from `cursor`), then new lines as they come",
    input: ContainerRefSchema.extend({
      tail: z.union([z.number().int().min(0), z.literal("all")]).optional(),
      since: TimestampSchema.optional(),
      stdout: z.boolean().default(true),
      stderr: z.boolean().default(true),
      /** Resume right after the last line delivered: no line lost, none repeated. */
      cursor: LogCursorSchema.optional(),
      /** Keep following new lines (default) or end after the backlog. */
      follow: z.boolean().default(true),
    }),
    item: LogLineSchema,
    // Log lines are never dropped: a full buffer pauses the read from the Engine.
    overflow: "pause",
    result: z.object({ cursor: LogCursorSchema.nullable() }),
  }),
  "stats.follow": stream({
    description: "Resource usage of running containers, one sweep every `intervalMs`",
    input: z.object({
      intervalMs: z.number().int().min(500).max(60_000).default(2_000),
      /** Only these containers (ids or names); all running ones when absent. */
      containerIds: z.array(z.string().min(1)).optional(),
    }),
    item: StatsSweepSchema.extend({ at: z.string() }),
    // A late sweep is worth less than a fresh one: the oldest are dropped and counted.
    overflow: "drop-oldest",
    result: z.null(),
  }),
  "events.follow": stream({
    description: "Engine events (containers, images, volumes, networks), resumable by event id",
    input: EventsOptionsSchema,
    item: EngineEventSchema,
    overflow: "pause",
    result: z.object({ lastId: EventIdSchema.nullable() }),
  }),
};
