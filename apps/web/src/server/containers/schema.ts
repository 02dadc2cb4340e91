/** Inputs of the host-scoped container procedures (`hostId` comes from hostProcedure). */
import { TerminalInputSchema } from "@dockfleet/protocol";
import { TerminalSizeSchema } from "@dockfleet/runtime";
import { z } from "zod";

export const ListContainersInput = z.object({ all: z.boolean().default(true) });
export const ContainerInput = z.object({ containerId: z.string().min(1).max(256) });
export const StopContainerInput = ContainerInput.extend({
  timeoutSeconds: z.number().int().min(0).max(3600).optional(),
});

export const ExecInput = ContainerInput.extend({
  cmd: z.array(z.string().max(4096)).min(1, "needs the command to run").max(256),
  user: z.string().min(1).max(256).optional(),
  workingDir: z.string().regex(/^\//, "an absolute path").max(4096).optional(),
  timeoutSeconds: z.number().int().min(1).max(3600).default(60),
});

export const LogsInput = ContainerInput.extend({
  /** Lines of backlog before following (the first view reads the end of the log, never all of it). */
  tail: z.number().int().min(0).max(10_000).default(200),
  /**
   * The id of the last line received (each line's SSE event id): continue right after it, with no
   * backlog. httpSubscriptionLink sends it on reconnect, in the input or as the Last-Event-ID header.
   * Decoded by the service, so a malformed one is an `invalid` error naming this field.
   */
  lastEventId: z.string().optional(),
});

export const TerminalInput = ContainerInput.extend({
  /** The command to run with a TTY: a shell by default. */
  cmd: z.array(z.string().min(1).max(4096)).min(1).max(64).default(["sh"]),
  user: z.string().min(1).max(256).optional(),
  size: TerminalSizeSchema.optional(),
  /**
   * The id of the last event received (`<sessionId>:<offset>`): reattach to that terminal and go on
   * after that byte, instead of opening a new one. httpSubscriptionLink sends it on reconnect, in
   * the input or as the Last-Event-ID header. Decoded by the service (an `invalid` error naming it).
   */
  lastEventId: z.string().optional(),
});

export const TerminalSessionInput = z.object({ sessionId: z.uuid() });
export const TerminalSendInput = TerminalSessionInput.extend({ input: TerminalInputSchema });

export const StatsInput = z.object({
  /** Only these containers (ids, id prefixes or names); every running one when absent. */
  containerIds: z.array(z.string().min(1).max(256)).max(500).optional(),
  intervalMs: z.number().int().min(1_000).max(60_000).default(2_000),
});
