/** Commands on the containers of one host; each names its container by id or name. */
import {
  CommitSpec,
  ContainerDetailsSchema,
  ContainerSpecSchema,
  ContainerSummarySchema,
  ExecResultSchema,
  ImageRef,
  ListContainersOptionsSchema,
  PathStatSchema,
  ProcessListSchema,
  StatsSampleSchema,
  UpdateContainerSchema,
} from "@dockfleet/runtime";
import { z } from "zod";
import { stream, unary } from "../define.ts";
import { bytesPiece } from "../wire.ts";
import { bounded, ContainerName } from "./bounds.ts";

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

/** Largest tar archive a file copy into a container carries (8 MiB, ~11 MiB as base64). */
export const fileArchiveLimitBytes = 8 * 1024 * 1024;
/** Largest tar archive a read from a container streams: it travels in pieces, never whole. */
export const fileReadLimitBytes = 1024 * 1024 * 1024;
/** Most bytes one piece of a read carries (before base64). */
export const fileReadPieceLimitBytes = 256 * 1024;

const ArchiveBase64 = z
  .base64("a base64-encoded tar archive")
  .refine((text) => base64Bytes(text) <= fileArchiveLimitBytes, "a tar archive of at most 8 MiB");

/** How many bytes a base64 text decodes to, without decoding it. */
export function base64Bytes(base64: string): number {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

const ContainerPath = ContainerRefSchema.extend({
  path: z.string().regex(/^\//, "an absolute path").max(4096),
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
  "container.create": unary({
    description:
      "Create a container from a spec and start it; all or nothing: if joining a network or starting fails, it is removed again",
    input: bounded(ContainerSpecSchema.extend({ name: ContainerName.optional() })),
    result: ContainerDetailsSchema,
    defaultTimeoutMs: 120_000,
  }),
  "container.update": unary({
    description: "Change a container's CPU, memory and PIDs limits and its restart policy",
    input: ContainerRefSchema.extend(UpdateContainerSchema.shape),
    result: z.object({ warnings: z.array(z.string()) }),
  }),
  "container.rename": unary({
    description: "Give a container another name",
    input: ContainerRefSchema.extend({ name: ContainerName }),
    result: done,
  }),
  "container.top": unary({
    description: "A running container's processes as `ps` shows them",
    input: ContainerRefSchema.extend({
      /** Options for `ps` (the Engine's default is "-ef"). */
      psArgs: z
        .string()
        .regex(/^[A-Za-z0-9 ,=:%+-]+$/, "ps options like aux or -eo pid,comm")
        .max(256)
        .optional(),
    }),
    result: ProcessListSchema,
  }),
  "container.stats": unary({
    description:
      "One resource sample of a running container; its CPU % may be null (a rate needs two reads: stats.follow has them)",
    input: ContainerRefSchema,
    result: StatsSampleSchema,
  }),
  "container.wait": unary({
    description:
      "Wait until a container stops and answer its exit code (at once for one that is not running); the call's deadline or a cancel ends the wait",
    input: ContainerRefSchema,
    result: z.object({ exitCode: z.number().int() }),
    defaultTimeoutMs: 60 * 60 * 1000,
  }),
  "container.commit": unary({
    description:
      "Make an image from a container's filesystem (`docker commit`), paused meanwhile unless `pause` is false",
    input: bounded(
      ContainerRefSchema.extend(CommitSpec.omit({ container: true }).shape).extend({
        /** The new image's name; without it the image is untagged. */
        ref: ImageRef.max(512).optional(),
      }),
    ),
    result: z.object({ imageId: z.string() }),
    defaultTimeoutMs: 10 * 60 * 1000,
  }),
  "container.files.read": stream({
    description:
      "A path of a container (a directory with its contents) as a tar archive in pieces, up to 1 GiB; ends with the archive's size and sha256",
    input: ContainerPath,
    /** One piece of the archive: join the pieces' bytes in order. */
    item: z.object({ data: bytesPiece(fileReadPieceLimitBytes) }),
    // Nothing of an archive may be lost: a slow reader pauses the read from the Engine.
    overflow: "pause",
    itemBytes: (piece) => piece.data.byteLength,
    result: z.object({
      /** What the Engine says about the path; null when it did not say. */
      stat: PathStatSchema.nullable(),
      bytes: z.number().int().min(0),
      sha256: z.hash("sha256", { error: "a sha256 in hex (64 characters)" }),
    }),
  }),
  "container.files.write": unary({
    description: "Extract a tar archive (base64, up to 8 MiB) into an existing directory of a container",
    input: ContainerPath.extend({
      archiveBase64: ArchiveBase64,
      /** Never replace a directory by a file or the other way round (what `docker cp` does). */
      noOverwriteDirNonDir: z.boolean().default(true),
    }),
    result: done,
    defaultTimeoutMs: 120_000,
  }),
};
