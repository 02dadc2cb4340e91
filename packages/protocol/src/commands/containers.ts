/** Commands on the containers of one host; each names its container by id or name. */
import {
  ContainerDetailsSchema,
  ContainerSummarySchema,
  ExecResultSchema,
  ListContainersOptionsSchema,
} from "@dockfleet/runtime";
import { z } from "zod";
import { unary } from "../define.ts";

/** A container's id (full or short) or name. */
export const ContainerRefSchema = z.object({ containerId: z.string().min(1).max(256) });
const StopOptions = ContainerRefSchema.extend({
  /** Seconds between SIGTERM and SIGKILL; the Engine's default (or the image's) when absent. */
  timeoutSeconds: z.number().int().min(0).max(3600).optional(),
});
const done = z.null();

/** Output kept per stream of an exec sent over the link; more is dropped and `truncated` set. */
export const execOutputLimitBytes = 1024 * 1024;

const ExecInput = ContainerRefSchema.extend({
  cmd: z.array(z.string().max(4096)).min(1, "needs the command to run").max(256),
  env: z.record(z.string().regex(/^[^=\s][^=]*$/, "a variable name without '='"), z.string()).default({}),
  user: z.string().min(1).max(256).optional(),
  workingDir: z.string().regex(/^\//, "an absolute path").max(4096).optional(),
  stdin: z
    .string()
    .max(1024 * 1024)
    .optional(),
});

export const containerCommands = {
  "container.list": unary({
    description: "Containers of the host (running only unless `all`)",
    input: ListContainersOptionsSchema,
    result: z.array(ContainerSummarySchema),
  }),
  "container.inspect": unary({
    description: "One container in detail",
    input: ContainerRefSchema.extend({ size: z.boolean().default(false) }),
    result: ContainerDetailsSchema,
  }),
  "container.start": unary({ description: "Start a container", input: ContainerRefSchema, result: done }),
  "container.stop": unary({
    description: "Stop a container (SIGTERM, then SIGKILL after the timeout)",
    input: StopOptions,
    result: done,
    defaultTimeoutMs: 60_000,
  }),
  "container.restart": unary({
    description: "Restart a container",
    input: StopOptions,
    result: done,
    defaultTimeoutMs: 60_000,
  }),
  "container.kill": unary({
    description: "Send a signal to a container (default SIGKILL)",
    input: ContainerRefSchema.extend({
      signal: z
        .string()
        .regex(/^(SIG)?[A-Z0-9]+$|^\d+$/, "a signal name or number")
        .optional(),
    }),
    result: done,
  }),
  "container.pause": unary({
    description: "Freeze a container's processes",
    input: ContainerRefSchema,
    result: done,
  }),
  "container.unpause": unary({
    description: "Thaw a paused container",
    input: ContainerRefSchema,
    result: done,
  }),
  "container.exec": unary({
    description:
      "Run a command in a running container to completion, without a TTY (never privileged); the call's deadline cancels it",
    input: ExecInput,
    result: ExecResultSchema,
  }),
  "container.remove": unary({
    description: "Remove a container (`force` kills it first; `volumes` removes its anonymous volumes)",
    input: ContainerRefSchema.extend({
      force: z.boolean().default(false),
      volumes: z.boolean().default(false),
    }),
    result: done,
  }),
};
