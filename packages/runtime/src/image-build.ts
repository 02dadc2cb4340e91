/**
 * Builds from a context streamed as tar (a Dockerfile plus files, or a caller's tar), with the
 * build log streamed. The Engine's classic builder runs it; no base image is ever pulled.
 */
import { Readable } from "node:stream";
import tar from "tar-stream";
import { z } from "zod";
import type { DockerClient } from "./client.ts";
import { engineCall, RuntimeError, type RuntimeErrorCode } from "./errors.ts";
import { ImageRef } from "./image-ref.ts";
import { jsonLines, messageError } from "./json-lines.ts";
import { Labels, parseSpec } from "./spec.ts";

const contextPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be relative, without ..");

export const BuildFile = z.object({
  path: contextPath,
  content: z.union([
    z.string(),
    z.custom<Uint8Array>((v) => v instanceof Uint8Array, "must be text or bytes"),
  ]),

  mode: z.number().int().min(0).max(0o7777).optional(),
});

export const BuildOptions = z.object({
  /** Name for the result; omitted: an untagged image. */
  tag: ImageRef.optional(),
  buildArgs: z.record(z.string(), z.string()).default({}),
  labels: Labels.default({}),
  noCache: z.boolean().default(false),
  /** Multi-stage target. */
  target: z.string().optional(),
});
export type BuildOptions = z.input<typeof BuildOptions>;

export const BuildSpec = BuildOptions.extend({
  /** The Dockerfile's text. */
  dockerfile: z.string().min(1),
  files: z.array(BuildFile).default([]),
});
export type BuildSpec = z.input<typeof BuildSpec>;

export type BuildEvent =
  /** A Dockerfile step starts ("Step 2/3 : RUN make"). */
  | { kind: "step"; step: number; total: number; instruction: string }
  /** A line of build output. */
  | { kind: "log"; line: string }
  /** The last event of a successful build. */
  | { kind: "built"; imageId: string };

/** The context as a tar: the Dockerfile at `Dockerfile`, then the files. */
function contextTar(spec: z.output<typeof BuildSpec>): Readable {
  const pack = tar.pack();
  pack.entry({ name: "Dockerfile", mode: 0o644 }, spec.dockerfile);
  for (const file of spec.files) {
    const content = typeof file.content === "string" ? file.content : Buffer.from(file.content);
    pack.entry({ name: file.path, mode: file.mode ?? 0o644 }, content);
  }
  pack.finalize();
  return Readable.from(pack);
}

function codeOf(message: string): RuntimeErrorCode {
  if (
    /dockerfile parse error|unknown instruction|unknown flag|failed to parse|cannot be empty/i.test(message)
  ) {
    return "invalid_spec";
  }
  // A base image that is not here cannot be pulled either: the Dockerfile names something missing.
  if (/pull access denied|repository does not exist|manifest unknown|not found/i.test(message))
    return "invalid_spec";
  return "engine";
}

async function* buildEvents(stream: Readable, what: string): AsyncGenerator<BuildEvent> {
  let step = "";
  let imageId: string | undefined;
  let pending = "";
  try {
    for await (const message of jsonLines(stream)) {
      const failure = messageError(message);
      if (failure) {
        const where = step ? ` (at ${step})` : "";
        // Failing at FROM means the base image is neither here nor pullable: the Dockerfile names something missing.
        const code = / : FROM /i.test(step) ? "invalid_spec" : codeOf(failure);
        throw new RuntimeError(code, `${what}: ${failure.trim()}${where}`);
      }

      const id = message.aux?.ID;
      if (typeof id === "string") imageId = id;
      // Output arrives in arbitrary pieces; only whole lines are events.
      pending += message.stream ?? "";
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const match = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
        if (match) {
          step = line;
          yield {
            kind: "step",
            step: Number(match[1]),
            total: Number(match[2]),
            instruction: match[3] ?? "",
          };
        } else if (line.trim()) {
          yield { kind: "log", line };
        }
        const built = /^Successfully built ([0-9a-f]+)$/.exec(line.trim());
        if (built && !imageId) imageId = built[1];
      }
    }
  } finally {
    stream.destroy();
  }
  if (pending.trim()) yield { kind: "log", line: pending };
  if (!imageId) throw new RuntimeError("engine", `${what}: the Engine ended the build without an image id`);
  yield { kind: "built", imageId };
}

async function* build(
  client: DockerClient,
  context: Readable,
  options: z.output<typeof BuildOptions>,
  dockerfilePath: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<BuildEvent> {
  const what = `build image${options.tag ? ` "${options.tag}"` : ""}`;
  // dockerode's typings lose the promise overload once options are passed.
  const buildCall = client.docker.buildImage.bind(client.docker) as (
    file: Readable,
    opts: object,
  ) => Promise<Readable>;
  const stream = (await engineCall(what, () =>
    buildCall(context, {
      t: options.tag,
      dockerfile: dockerfilePath,
      buildargs: options.buildArgs,
      labels: options.labels,
      nocache: options.noCache,
      target: options.target,
      // Intermediate containers go even when a step fails: a failed build leaves nothing behind.
      rm: true,
      forcerm: true,
      pull: false,
      abortSignal: signal,
    }),
  ).catch((error: unknown) => {
    if (error instanceof RuntimeError)
      throw new RuntimeError(
        codeOf(error.message) === "engine" ? error.code : codeOf(error.message),
        error.message,
        error.statusCode,
      );
    throw error;
  })) as Readable;
  yield* buildEvents(stream, what);
}

/**
 * Builds from a Dockerfile and files, yielding the log; the last event is `built` with the image
 * id. A failing step throws `engine` (naming the step), a bad Dockerfile or missing base image
 * `invalid_spec`.
 */
export function buildImage(
  client: DockerClient,
  spec: BuildSpec,
  options: { signal?: AbortSignal } = {},
): AsyncGenerator<BuildEvent> {
  const s = parseSpec(BuildSpec, spec, "build image");
  if (s.files.some((f) => f.path === "Dockerfile")) {
    throw new RuntimeError(
      "invalid_spec",
      "build image: pass the Dockerfile as `dockerfile`, not among the files",
    );
  }
  return build(client, contextTar(s), s, "Dockerfile", options.signal);
}

/** Builds from a caller's tar stream (plain or gzip), the Dockerfile at `dockerfilePath` inside it. */
export function buildImageFromTar(
  client: DockerClient,
  context: Readable,
  options: BuildOptions & { dockerfilePath?: string; signal?: AbortSignal } = {},
): AsyncGenerator<BuildEvent> {
  const s = parseSpec(BuildOptions, options, "build image");
  return build(client, context, s, options.dockerfilePath ?? "Dockerfile", options.signal);
}
