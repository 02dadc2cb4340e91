/** Files in and out of a container through the Engine's archive API (tar streams), and export. */
import type { Readable } from "node:stream";
import { z } from "zod";
import type { DockerClient } from "../client.ts";
import { openStream } from "../engine-stream.ts";
import { parseInput } from "../parse-input.ts";

/** What the Engine says about the copied path (header X-Docker-Container-Path-Stat). */
export const PathStatSchema = z.object({
  name: z.string(),
  size: z.number(),
  /** Go's os.FileMode bits: permission bits plus type flags (directory = 1 << 31). */
  mode: z.number(),
  mtime: z.string(),
  linkTarget: z.string(),
});
export type PathStat = z.infer<typeof PathStatSchema>;

const ContainerPathSchema = z.object({ path: z.string().regex(/^\//, "must be an absolute path") });

function decodeStat(header: string | string[] | undefined): PathStat | undefined {
  if (typeof header !== "string" || header === "") return undefined;
  const parsed = PathStatSchema.safeParse(JSON.parse(Buffer.from(header, "base64").toString("utf8")));
  return parsed.success ? parsed.data : undefined;
}

/**
 * Streams `path` out of the container as a tar archive (a directory comes with its contents).
 * The caller must consume or destroy `archive`.
 */
export async function copyFromContainer(
  client: DockerClient,
  ref: string,
  path: string,
  signal?: AbortSignal,
): Promise<{ stat: PathStat | undefined; archive: Readable }> {
  parseInput(ContainerPathSchema, { path }, `copy from container "${ref}"`);
  const body = await openStream(client, {
    method: "GET",
    path: `/containers/${encodeURIComponent(ref)}/archive?`,
    query: { path },
    what: `copy "${path}" from container "${ref}"`,
    signal,
    statusCodes: { 400: "bad parameter", 404: "no such container or path" },
  });
  return { stat: decodeStat(body.headers["x-docker-container-path-stat"]), archive: body };
}

/**
 * Extracts a tar archive into directory `path` of the container. The directory must exist; with
 * `noOverwriteDirNonDir` a directory is never replaced by a file or the other way round.
 */
export async function copyToContainer(
  client: DockerClient,
  ref: string,
  path: string,
  archive: Readable,
  options: { noOverwriteDirNonDir?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  parseInput(ContainerPathSchema, { path }, `copy to container "${ref}"`);
  const response = await openStream(client, {
    method: "PUT",
    path: `/containers/${encodeURIComponent(ref)}/archive?`,
    query: { path, noOverwriteDirNonDir: options.noOverwriteDirNonDir },
    what: `copy into "${path}" of container "${ref}"`,
    body: archive,
    headers: { "Content-Type": "application/x-tar" },
    signal: options.signal,
    statusCodes: { 400: "bad parameter", 403: "read-only path", 404: "no such container or path" },
  });
  response.resume();
}

/** The container's whole filesystem as a tar stream (`docker export`). */
export function exportContainer(client: DockerClient, ref: string, signal?: AbortSignal): Promise<Readable> {
  return openStream(client, {
    method: "GET",
    path: `/containers/${encodeURIComponent(ref)}/export?`,
    what: `export container "${ref}"`,
    signal,
    statusCodes: { 404: "no such container" },
  });
}
