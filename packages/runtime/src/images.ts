/** Docker images of one host: list, inspect, history, tag, remove, prune, commit; pull/push, build, save/load re-exported. */
import { z } from "zod";
import type { DockerClient } from "./client.ts";
import { engineCall } from "./errors.ts";
import { ImageRef, splitRef } from "./image-ref.ts";
import { Labels, labelFilters, parseSpec } from "./spec.ts";

export { loadImages, saveImages } from "./image-archive.ts";
export { type BuildEvent, BuildOptions, BuildSpec, buildImage, buildImageFromTar } from "./image-build.ts";
export { ImageProgress } from "./image-progress.ts";
export { ImageRef, isImageRef } from "./image-ref.ts";
export { pullImage, pushImage, RegistryAuth } from "./image-transfer.ts";

export const ImageSummary = z.object({
  id: z.string(),
  repoTags: z.array(z.string()),
  repoDigests: z.array(z.string()),
  /** Unix seconds. */
  created: z.number(),
  size: z.number(),
  labels: Labels,
  /** Containers using it; -1 when the Engine did not count. */
  containers: z.number(),
});
export type ImageSummary = z.infer<typeof ImageSummary>;

export const ImageLayer = z.object({
  /** Image id of this step, or `<missing>` for steps built elsewhere. */
  id: z.string(),
  created: z.number(),
  createdBy: z.string(),
  size: z.number(),
  tags: z.array(z.string()),
  comment: z.string(),
});
export type ImageLayer = z.infer<typeof ImageLayer>;

export const ImageFilter = z.object({
  /** `reference` filter, e.g. `local/*` or `app:1.*`. */
  reference: z.string().optional(),
  labels: Labels.optional(),
  dangling: z.boolean().optional(),
  /** Include intermediate images. */
  all: z.boolean().default(false),
});
export type ImageFilter = z.input<typeof ImageFilter>;

function filtersOf(f: { reference?: string; labels?: Record<string, string>; dangling?: boolean }) {
  const filters: Record<string, string[]> = {};
  if (f.reference) filters.reference = [f.reference];
  if (f.labels) filters.label = labelFilters(f.labels);
  if (f.dangling !== undefined) filters.dangling = [String(f.dangling)];
  return filters;
}

export async function listImages(client: DockerClient, filter: ImageFilter = {}): Promise<ImageSummary[]> {
  const f = parseSpec(ImageFilter, filter, "list images");
  const list = await engineCall("list images", () =>
    client.docker.listImages({ all: f.all, filters: JSON.stringify(filtersOf(f)) }),
  );
  return list.map((i) => ({
    id: i.Id,
    repoTags: (i.RepoTags ?? []).filter((t) => t !== "<none>:<none>"),
    repoDigests: (i.RepoDigests ?? []).filter((d) => d !== "<none>@<none>"),
    created: i.Created,
    size: i.Size,
    labels: i.Labels ?? {},
    containers: i.Containers,
  }));
}

/** The Engine's full inspect document (config, rootfs layers, platform). */
export async function inspectImage(client: DockerClient, ref: string) {
  return engineCall(`inspect image "${ref}"`, () => client.docker.getImage(ref).inspect());
}

/** The image's layers, newest first, as `docker history` shows them. */
export async function imageHistory(client: DockerClient, ref: string): Promise<ImageLayer[]> {
  const rows = (await engineCall(`read history of image "${ref}"`, () =>
    client.docker.getImage(ref).history(),
  )) as Array<{
    Id: string;
    Created: number;
    CreatedBy: string;
    Size: number;
    Tags: string[] | null;
    Comment: string;
  }>;
  return rows.map((r) => ({
    id: r.Id,
    created: r.Created,
    createdBy: r.CreatedBy,
    size: r.Size,
    tags: r.Tags ?? [],
    comment: r.Comment,
  }));
}

/** Adds `target` as a name of `source` (`docker tag`). */
export async function tagImage(client: DockerClient, source: string, target: string): Promise<void> {
  const ref = parseSpec(ImageRef, target, "tag image");
  const { repository, tag } = splitRef(ref);
  await engineCall(`tag image "${source}" as "${ref}"`, () =>
    client.docker.getImage(source).tag({ repo: repository, tag: tag ?? "latest" }),
  );
}

export interface ImageRemoveReport {
  untagged: string[];
  deleted: string[];
}

/** Removes an image name (and the image once no name is left); `conflict` while a container uses it, unless `force`. */
export async function removeImage(
  client: DockerClient,
  ref: string,
  options: { force?: boolean; noPrune?: boolean } = {},
): Promise<ImageRemoveReport> {
  const items = (await engineCall(`remove image "${ref}"`, () =>
    client.docker.getImage(ref).remove({ force: options.force ?? false, noprune: options.noPrune ?? false }),
  )) as Array<{ Untagged?: string; Deleted?: string }>;
  return {
    untagged: items.flatMap((i) => (i.Untagged ? [i.Untagged] : [])),
    deleted: items.flatMap((i) => (i.Deleted ? [i.Deleted] : [])),
  };
}

/** Removes dangling images (or, with `dangling: false`, every image no container uses). */
export async function pruneImages(
  client: DockerClient,
  options: { dangling?: boolean; labels?: Record<string, string> } = {},
): Promise<{ deleted: string[]; spaceReclaimed: number }> {
  const filters = filtersOf({ dangling: options.dangling ?? true, labels: options.labels });
  const report = await engineCall("prune images", () => client.docker.pruneImages({ filters }));
  const deleted = (report.ImagesDeleted ?? []).flatMap((i: { Deleted?: string }) =>
    i.Deleted ? [i.Deleted] : [],
  );
  return { deleted, spaceReclaimed: report.SpaceReclaimed ?? 0 };
}

export const CommitSpec = z.object({
  container: z.string().min(1),
  /** The new image's name; omitted: an untagged image. */
  ref: ImageRef.optional(),
  comment: z.string().optional(),
  author: z.string().optional(),
  /** Dockerfile instructions applied on commit, e.g. `CMD ["sh"]`, `LABEL a=b`. */
  changes: z.array(z.string()).default([]),
  /** Pause the container while committing (Docker's default) for a consistent filesystem. */
  pause: z.boolean().default(true),
});
export type CommitSpec = z.input<typeof CommitSpec>;

/** Makes an image from a container's filesystem (`docker commit`); returns the image id. */
export async function commitContainer(client: DockerClient, spec: CommitSpec): Promise<string> {
  const s = parseSpec(CommitSpec, spec, "commit container");
  const { repository, tag } = s.ref ? splitRef(s.ref) : { repository: undefined, tag: undefined };
  const result = (await engineCall(`commit container "${s.container}"`, () =>
    client.docker.getContainer(s.container).commit({
      repo: repository,
      tag: repository ? (tag ?? "latest") : undefined,
      comment: s.comment,
      author: s.author,
      changes: s.changes,
      pause: s.pause,
    }),
  )) as { Id: string };
  return result.Id;
}
