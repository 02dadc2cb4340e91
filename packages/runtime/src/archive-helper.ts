/**
 * The helper behind volume archives: an empty image made with the Engine's import endpoint and a
 * container created from it (never started) that mounts the volume, so the archive API can read
 * and write the volume without any image from a registry.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import tar from "tar-stream";
import type { DockerClient } from "./client.ts";
import { engineCall, isRuntimeError, RuntimeError } from "./errors.ts";
import { jsonLines, messageError } from "./json-lines.ts";

export const helperImageRepo = "dockfleet/volume-helper";
export const helperImageTag = "1";
export const helperImage = `${helperImageRepo}:${helperImageTag}`;
/** Label on the helper image and every helper container, so leftovers can be found. */
export const helperLabel = "dockfleet.helper";
export const helperLabelValue = "volume-archive";
/** Label naming the volume a helper container serves. */
export const helperVolumeLabel = "dockfleet.helper.volume";
/** Where the helper mounts the volume. */
export const helperMountPath = "/volume";

/** Imports in flight, per client and image name. */
const pending = new WeakMap<DockerClient, Map<string, Promise<void>>>();

/** An image with one empty directory; it is only ever a mount target, so it needs no files. */
async function emptyRootTar(): Promise<Readable> {
  const pack = tar.pack();
  pack.entry({ name: `${helperMountPath.slice(1)}/`, type: "directory", mode: 0o755 });
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Readable.from([Buffer.concat(chunks)]);
}

async function importHelperImage(client: DockerClient, ref: string): Promise<void> {
  const [repo, tag] = ref.split(":") as [string, string];
  const body = await emptyRootTar();
  const response = await engineCall(`import helper image ${ref}`, () =>
    client.docker.importImage(body, {
      repo,
      tag,
      // The Engine refuses to create a container without a command; it never runs.
      changes: [`LABEL ${helperLabel}=${helperLabelValue}`, 'CMD ["/dockfleet-helper-never-runs"]'],
    }),
  );
  for await (const message of jsonLines(response as Readable)) {
    const failure = messageError(message);
    if (failure) throw new RuntimeError("engine", `import helper image ${ref}: ${failure}`);
  }
}

async function imageExists(client: DockerClient, ref: string): Promise<boolean> {
  return engineCall(`inspect helper image ${ref}`, () => client.docker.getImage(ref).inspect()).then(
    () => true,
    (error: unknown) => (isRuntimeError(error, "not_found") ? false : Promise.reject(error)),
  );
}

/** Makes sure the helper image exists, importing it when it does not. */
export async function ensureHelperImage(client: DockerClient, ref = helperImage): Promise<void> {
  // One check-and-import per client and name at a time: every import makes a new image id and
  // leaves the previous one dangling, so concurrent backups must share one.
  const inFlight = pending.get(client) ?? new Map<string, Promise<void>>();
  pending.set(client, inFlight);
  let work = inFlight.get(ref);
  if (!work) {
    work = (async () => {
      if (!(await imageExists(client, ref))) await importHelperImage(client, ref);
    })().finally(() => inFlight.delete(ref));
    inFlight.set(ref, work);
  }
  await work;
}

export interface HelperOptions {
  readOnly: boolean;
  /** Extra labels for the helper container (e.g. a job id). */
  labels?: Record<string, string>;
}

export interface Helper {
  container: Docker.Container;
  id: string;
  name: string;
}

async function createHelper(client: DockerClient, volume: string, options: HelperOptions): Promise<Helper> {
  await ensureHelperImage(client);
  // Prefixed with the volume name so `docker ps -a` shows whose helper it is.
  const name = `${volume.slice(0, 64)}-dockfleet-archive-${randomBytes(4).toString("hex")}`;
  const container = await engineCall(`create archive helper for volume "${volume}"`, () =>
    client.docker.createContainer({
      name,
      Image: helperImage,
      Labels: { ...options.labels, [helperLabel]: helperLabelValue, [helperVolumeLabel]: volume },
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: "none",
        Mounts: [
          {
            Type: "volume",
            Source: volume,
            Target: helperMountPath,
            ReadOnly: options.readOnly,
            // Never copy image content into the volume (the image is empty, but be explicit).
            VolumeOptions: { NoCopy: true } as never,
          },
        ],
      },
    }),
  );
  return { container, id: container.id, name };
}

/** Removes a helper; one already gone (removed by someone else) is fine. */
export async function removeHelper(helper: Helper): Promise<void> {
  await engineCall(`remove archive helper ${helper.name}`, () =>
    helper.container.remove({ force: true }),
  ).catch((error: unknown) => {
    if (!isRuntimeError(error, "not_found")) throw error;
  });
}

/** Runs `work` with a fresh helper container mounting `volume`; the helper is always removed. */
export async function withHelper<T>(
  client: DockerClient,
  volume: string,
  options: HelperOptions,
  work: (helper: Helper) => Promise<T>,
): Promise<T> {
  const helper = await createHelper(client, volume, options);
  let result: T;
  try {
    result = await work(helper);
  } catch (error) {
    // The work's failure is the one to report; a failed removal must not hide it.
    await removeHelper(helper).catch(() => undefined);
    throw error;
  }
  await removeHelper(helper);
  return result;
}
