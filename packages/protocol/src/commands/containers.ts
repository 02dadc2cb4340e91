/** Commands on the containers of one host; each names its container by id or name. */
import {
  ContainerDetailsSchema,
  ContainerSummarySchema,
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
  "container.remove": unary({
    description: "Remove a container (`force` kills it first; `volumes` removes its anonymous volumes)",
    input: ContainerRefSchema.extend({
      force: z.boolean().default(false),
      volumes: z.boolean().default(false),
    }),
    result: done,
  }),
};
