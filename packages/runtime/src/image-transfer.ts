/**
 * Pull and push with per-layer progress. Registry credentials travel per call in the
 * X-Registry-Auth header; they are never written to the host's Docker config.
 */
import type { Readable } from "node:stream";
import { z } from "zod";
import type { DockerClient } from "./client.ts";
import { engineCall, RuntimeError, type RuntimeErrorCode } from "./errors.ts";
import { type ImageProgress, toImageProgress } from "./image-progress.ts";
import { ImageRef, splitRef } from "./image-ref.ts";
import { jsonLines, messageError } from "./json-lines.ts";
import { parseSpec } from "./spec.ts";

/** What `docker login` would store, passed per call instead. */
export const RegistryAuth = z.union([
  z.object({
    username: z.string().min(1),
    password: z.string().min(1),
    /** e.g. `registry.example.com:5000`; the Engine matches it to the reference's registry. */
    serveraddress: z.string().optional(),
  }),
  z.object({ identitytoken: z.string().min(1), serveraddress: z.string().optional() }),
]);
export type RegistryAuth = z.infer<typeof RegistryAuth>;

export interface TransferOptions {
  auth?: RegistryAuth;
  signal?: AbortSignal;
}

/** In-band failures arrive as text only; their wording is the one clue to a typed code. */
function codeOf(message: string): RuntimeErrorCode {
  if (/unauthorized|authentication required|denied|no basic auth credentials/i.test(message))
    return "permission";
  if (/not found|manifest unknown|does not exist|no such/i.test(message)) return "not_found";
  if (/connection refused|no such host|i\/o timeout|dial tcp/i.test(message)) return "unreachable";
  return "engine";
}

async function* progressOf(stream: Readable, what: string): AsyncGenerator<ImageProgress> {
  try {
    for await (const message of jsonLines(stream)) {
      const failure = messageError(message);
      if (failure) throw new RuntimeError(codeOf(failure), `${what}: ${failure}`);
      const event = toImageProgress(message);
      if (event) yield event;
    }
  } finally {
    // The consumer may stop early (break); the Engine keeps going, we just stop listening.
    stream.destroy();
  }
}

/** The Engine's own errors before streaming (404, 500) also come as text; type them the same way. */
async function opened(what: string, call: () => Promise<unknown>): Promise<Readable> {
  try {
    return (await engineCall(what, call)) as Readable;
  } catch (error) {
    if (error instanceof RuntimeError && error.code === "engine")
      throw new RuntimeError(codeOf(error.message), error.message, error.statusCode);
    throw error;
  }
}

/**
 * Pulls an image, yielding progress as it comes; the iteration ends when the pull is done and
 * throws a RuntimeError when it fails (`not_found`, `permission`, `unreachable`, `engine`).
 */
export async function* pullImage(
  client: DockerClient,
  ref: string,
  options: TransferOptions = {},
): AsyncGenerator<ImageProgress> {
  const image = parseSpec(ImageRef, ref, "pull image");
  const auth = options.auth ? parseSpec(RegistryAuth, options.auth, "pull image") : undefined;
  const { repository, tag, digest } = splitRef(image);
  const what = `pull image "${image}"`;
  const query = digest
    ? { fromImage: `${repository}@${digest}`, abortSignal: options.signal }
    : { fromImage: repository, tag: tag ?? "latest", abortSignal: options.signal };
  const stream = await opened(what, () => client.docker.createImage(auth as never, query));
  yield* progressOf(stream, what);
}

/** Pushes an image name to its registry, yielding progress (layers "Preparing" … "Pushed", then the digest). */
export async function* pushImage(
  client: DockerClient,
  ref: string,
  options: TransferOptions = {},
): AsyncGenerator<ImageProgress> {
  const image = parseSpec(ImageRef, ref, "push image");
  const auth = options.auth ? parseSpec(RegistryAuth, options.auth, "push image") : undefined;
  const { repository, tag } = splitRef(image);
  const what = `push image "${image}"`;
  const handle = client.docker.getImage(repository);
  // dockerode's typings lose the promise overload once options are passed.
  const push = handle.push.bind(handle) as (opts: object) => Promise<Readable>;
  const stream = await opened(what, () =>
    push({ tag: tag ?? "latest", abortSignal: options.signal, ...(auth ? { authconfig: auth } : {}) }),
  );

  yield* progressOf(stream, what);
}
