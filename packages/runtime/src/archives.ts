/**
 * Volume archives, the heart of backup and restore: a volume's files streamed out as tar (entries
 * `./…`, like `tar -C dir -c .`) and streamed back in, through a helper container that is created
 * but never started, so no image from a registry is needed. Streams only, never whole archives.
 */
import {
  PassThrough,
  pipeline as pipelineCallback,
  type Readable,
  Transform,
  type TransformCallback,
  type Writable,
} from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { z } from "zod";
import { type Digest, gzipAndHash, HashTap, hashStream } from "./archive-digest.ts";
import { type Helper, helperMountPath, withHelper } from "./archive-helper.ts";
import { withUsersStopped } from "./archive-quiesce.ts";
import { RootEntryTap, rootEntryTar } from "./archive-root.ts";
import type { DockerClient } from "./client.ts";

import { engineCall, isRuntimeError, RuntimeError, toRuntimeError } from "./errors.ts";
import { Labels, parseSpec } from "./spec.ts";
import { clearVolume } from "./volume-clear.ts";
import { createVolume, inspectVolume, removeVolume, VolumeName, VolumeSpec } from "./volumes.ts";

export { type Digest, type GzipDigest, gzipAndHash, HashTap, hashStream } from "./archive-digest.ts";
export { ensureHelperImage, helperImage, helperLabel } from "./archive-helper.ts";
export { clearVolume } from "./volume-clear.ts";

export const VolumeArchiveOptions = z.object({
  /** Stop the running containers that use the volume for the duration, and restart them after (always). */
  stopContainers: z.boolean().default(false),
  /** Seconds each stopped container gets before it is killed; default: its own StopTimeout. */
  stopTimeoutSeconds: z.number().int().min(0).optional(),
  /** Extra labels for the helper container, e.g. the job that made it. */
  helperLabels: Labels.default({}),
});
export type VolumeArchiveOptions = z.input<typeof VolumeArchiveOptions>;

export const VolumeRestoreOptions = VolumeArchiveOptions.extend({
  /** When the target volume exists: refuse, add to its files, or empty it first. */
  existing: z.enum(["fail", "merge", "clear"]).default("fail"),
  /** How to create the target when it does not exist. */
  create: VolumeSpec.omit({ name: true }).default({ driver: "local", driverOpts: {}, labels: {} }),
});
export type VolumeRestoreOptions = z.input<typeof VolumeRestoreOptions>;

export interface StreamControl {
  signal?: AbortSignal;
  /** Told the uncompressed tar bytes so far as they pass (for progress reports). */
  onTarBytes?: (bytes: number) => void;
}

export interface VolumeArchiveResult {
  volume: string;
  /** Size of the uncompressed tar. */
  tarBytes: number;
  /** Containers stopped for the duration (and started again). */
  stoppedContainers: string[];
}

export interface VolumeBackupResult extends VolumeArchiveResult {
  format: "tar+gzip";
  /** sha256 and size of the gzip bytes written to the sink: what the manifest records. */
  sha256: string;
  bytes: number;
  /** sha256 of the tar inside. */
  tarSha256: string;
}

export interface VolumeRestoreResult {
  volume: string;
  created: boolean;
  cleared: boolean;
  tarBytes: number;
  stoppedContainers: string[];
}

interface VolumeIdentity {
  name: string;
  createdAt: string | undefined;
}

async function identify(client: DockerClient, volume: string): Promise<VolumeIdentity> {
  const raw = await engineCall(`inspect volume "${volume}"`, () => client.docker.getVolume(volume).inspect());
  return { name: raw.Name, createdAt: (raw as { CreatedAt?: string }).CreatedAt };
}

/**
 * Throws `not_found` unless the helper still exists and the volume is the one we started with:
 * the Engine ends an archive stream normally even when files vanish under it, so only this check
 * tells a complete archive from a truncated one.
 */
async function assertStillThere(client: DockerClient, volume: VolumeIdentity, helper: Helper): Promise<void> {
  const vanished = new RuntimeError(
    "not_found",
    `volume "${volume.name}" vanished during the backup (removed, or its archive helper was removed); the archive is incomplete`,
  );
  const helperAlive = await engineCall("inspect archive helper", () => helper.container.inspect()).then(
    () => true,
    (error: unknown) => (isRuntimeError(error, "not_found") ? false : Promise.reject(error)),
  );
  if (!helperAlive) throw vanished;
  const now = await identify(client, volume.name).catch((error: unknown) =>
    isRuntimeError(error, "not_found") ? undefined : Promise.reject(error),
  );
  if (now?.createdAt !== volume.createdAt) throw vanished;
}

/**
 * The Engine makes an empty volume when a container mounts a missing one. If ours vanished just
 * before the helper was created, that empty stand-in is ours to take away (no labels, no users).
 */
async function removeStandIn(client: DockerClient, volume: VolumeIdentity): Promise<void> {
  const now = await inspectVolume(client, volume.name).catch(() => undefined);
  if (!now || now.createdAt === (volume.createdAt ?? null)) return;
  if (now.usedBy.length > 0 || Object.keys(now.labels).length > 0) return;
  await removeVolume(client, volume.name).catch(() => undefined);
}

/** Streams the archive to `consume`, then checks the volume stayed in place. */
async function streamOut<T>(
  identity: VolumeIdentity,
  helper: Helper,
  client: DockerClient,
  signal: AbortSignal | undefined,
  consume: (tar: Readable) => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    const tar = (await engineCall(`read volume "${identity.name}"`, () =>
      helper.container.getArchive({ path: `${helperMountPath}/.`, abortSignal: signal }),
    )) as Readable;
    result = await consume(tar).finally(() => tar.destroy());
  } catch (error) {
    throw toRuntimeError(error, `read volume "${identity.name}"`);
  }
  await assertStillThere(client, identity, helper);
  return result;
}

/** Reads a volume as tar and hands the stream to `consume`, with helper, quiescing and checks around it. */
async function readVolume<T>(
  client: DockerClient,
  volume: string,
  options: VolumeArchiveOptions & StreamControl,
  consume: (tar: Readable) => Promise<T>,
): Promise<T & { stoppedContainers: string[] }> {
  const name = parseSpec(VolumeName, volume, "read volume archive");
  const opts = parseSpec(VolumeArchiveOptions, options, "read volume archive");
  // Inspect first: a helper mounting a missing volume would make the Engine create an empty one.
  const identity = await identify(client, name);
  let lostBeforeStart = false;
  try {
    // The helper is created before anything is stopped: its reference pins the volume, so the
    // Engine refuses to remove it for the rest of the backup.
    return await withHelper(client, name, { readOnly: true, labels: opts.helperLabels }, async (helper) => {
      await assertStillThere(client, identity, helper).catch((error: unknown) => {
        lostBeforeStart = true;
        throw error;
      });
      return withUsersStopped(client, name, opts, async (stoppedContainers) => {
        const result = await streamOut(identity, helper, client, options.signal, consume);
        return { ...result, stoppedContainers };
      }).catch(async (error: unknown) => {
        // A vanished volume is the likelier cause of any failure here, and the clearer message.
        await assertStillThere(client, identity, helper);
        throw error;
      });
    });
  } finally {
    if (lostBeforeStart) await removeStandIn(client, identity);
  }
}

class ByteCount extends Transform {
  bytes = 0;
  constructor(private readonly onBytes?: (bytes: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    done(null, chunk);
  }
}

/**
 * Streams a volume's files as an uncompressed tar into `sink` (read-only mount). Resolves once
 * the sink has finished and the volume is known to have stayed in place; a rejection means the
 * sink holds no usable archive. `not_found` for a missing or vanished volume.
 */
export async function getVolumeArchive(
  client: DockerClient,
  volume: string,
  sink: Writable,
  options: VolumeArchiveOptions & StreamControl = {},
): Promise<VolumeArchiveResult> {
  return readVolume(client, volume, options, async (tar) => {
    const count = new ByteCount(options.onTarBytes);
    await pipeline(tar, count, sink, { signal: options.signal });
    return { volume, tarBytes: count.bytes };
  });
}

/** A backup: the volume's tar, gzipped and sha256-hashed on the fly into `sink`. */
export async function backupVolume(
  client: DockerClient,
  volume: string,
  sink: Writable,
  options: VolumeArchiveOptions & StreamControl & { gzipLevel?: number } = {},
): Promise<VolumeBackupResult> {
  return readVolume(client, volume, options, async (tar) => {
    const counted = pipelineCallback(tar, new ByteCount(options.onTarBytes), () => undefined);
    const digest = await gzipAndHash(counted, sink, { level: options.gzipLevel, signal: options.signal });
    return {
      volume,
      format: "tar+gzip" as const,
      sha256: digest.gzip.sha256,
      bytes: digest.gzip.bytes,
      tarSha256: digest.input.sha256,
      tarBytes: digest.input.bytes,
    };
  });
}

/** The Engine reports a bad archive as a 500 from its untar process; it is the input that is wrong. */
function notATar(error: unknown): unknown {
  if (isRuntimeError(error, "engine") && /Error processing tar file|invalid tar header/.test(error.message)) {
    return new RuntimeError(
      "invalid_spec",
      `${error.message} (the archive is not a valid tar)`,
      error.statusCode,
    );
  }
  return error;
}

async function putTar(
  helper: Helper,
  volume: string,
  source: Readable,
  signal?: AbortSignal,
): Promise<number> {
  const count = new ByteCount();
  const rootTap = new RootEntryTap();
  const body = new PassThrough();
  // Whichever side fails first is the cause; the other only fails because of it.
  let cause: "source" | "engine" | undefined;
  const flowing = pipeline(source, count, rootTap, body, { signal }).catch((error: unknown) => {
    cause ??= "source";
    throw toRuntimeError(error, `read archive for volume "${volume}"`);
  });
  const put = engineCall(`write volume "${volume}"`, () =>
    helper.container.putArchive(body, { path: helperMountPath, abortSignal: signal }),
  ).catch((error: unknown) => {
    cause ??= "engine";
    // The request is gone but nothing stops the source: end it, or the pipeline waits forever.
    body.destroy();
    throw error;
  });
  const [fed, written] = await Promise.allSettled([flowing, put]);
  if (fed.status === "rejected" && cause === "source") throw fed.reason;
  if (written.status === "rejected") throw notATar(written.reason);
  if (fed.status === "rejected") throw fed.reason;

  const root = rootTap.root;
  if (root) {
    const entry = await rootEntryTar(helperMountPath.slice(1), root);
    await engineCall(`set owner and mode of volume "${volume}"`, () =>
      helper.container.putArchive(entry, { path: "/", abortSignal: signal }),
    );
  }
  return count.bytes;
}

/** Creates the target when missing; refuses an existing one unless `existing` allows it. */
async function prepareTarget(
  client: DockerClient,
  volume: string,
  opts: z.output<typeof VolumeRestoreOptions>,
) {
  const exists = await identify(client, volume).then(
    () => true,
    (error: unknown) => (isRuntimeError(error, "not_found") ? false : Promise.reject(error)),
  );
  if (exists && opts.existing === "fail") {
    throw new RuntimeError(
      "conflict",
      `volume "${volume}" exists; restore into a new volume, or choose to merge into or clear it`,
    );
  }
  if (!exists) await createVolume(client, { ...opts.create, name: volume });
  return { created: !exists };
}

/** Writes a tar stream into a volume: creates it, or merges into / clears an existing one. */
async function writeVolume(
  client: DockerClient,
  volume: string,
  options: VolumeRestoreOptions & StreamControl,
  produce: () => Readable,
  check: () => void = () => undefined,
): Promise<VolumeRestoreResult> {
  const name = parseSpec(VolumeName, volume, "restore volume");
  const opts = parseSpec(VolumeRestoreOptions, options, "restore volume");
  const { created } = await prepareTarget(client, name, opts);
  try {
    return await withUsersStopped(client, name, opts, async (stoppedContainers) => {
      const cleared = !created && opts.existing === "clear";
      if (cleared) await clearVolume(client, name);
      const tarBytes = await withHelper(
        client,
        name,
        { readOnly: false, labels: opts.helperLabels },
        (helper) => putTar(helper, name, produce(), options.signal),
      );
      check();
      return { volume: name, created, cleared, tarBytes, stoppedContainers };
    });
  } catch (error) {
    // A volume we created holds only a partial restore: take it away again.
    if (created) await removeVolume(client, name, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Streams an uncompressed tar (entries relative to the volume root) into a volume. Ownership,
 * modes, times and symlinks come from the tar. A failure leaves no volume behind when this call
 * created it; an existing volume may hold part of the archive.
 */
export async function putVolumeArchive(
  client: DockerClient,
  volume: string,
  source: Readable,
  options: VolumeRestoreOptions & StreamControl = {},
): Promise<VolumeRestoreResult> {
  return writeVolume(client, volume, options, () => source);
}

/**
 * Restores a `backupVolume` archive (tar+gzip): first reads it whole to check its sha256, then
 * reads it again into the volume, hashing that pass too. `open` is called once per pass.
 * A mismatch is `invalid_spec` and, on the first pass, nothing has been touched.
 */
export async function restoreVolume(
  client: DockerClient,
  volume: string,
  open: () => Readable | Promise<Readable>,
  expected: { sha256: string },
  options: VolumeRestoreOptions & StreamControl = {},
): Promise<VolumeRestoreResult> {
  const want = expected.sha256.toLowerCase();
  const first = await hashStream(await open(), options.signal).catch((error: unknown) => {
    throw toRuntimeError(error, `read archive for volume "${volume}"`);
  });
  assertDigest(first, want, "the archive does not match its sha256; nothing was restored");
  const tap = new HashTap();
  // The callback form returns the gunzip end: a read error fails it, destroying it closes the file.
  const tar = pipelineCallback(await open(), tap, createGunzip(), () => undefined);
  return writeVolume(
    client,
    volume,
    options,
    () => tar,
    () => assertDigest(tap.digest(), want, "the archive changed while it was restored"),
  );
}

function assertDigest(actual: Digest, expected: string, problem: string): void {
  if (actual.sha256 !== expected) {
    throw new RuntimeError("invalid_spec", `${problem} (expected sha256 ${expected}, got ${actual.sha256})`);
  }
}
