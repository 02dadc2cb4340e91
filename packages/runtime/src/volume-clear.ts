/**
 * Emptying a volume before a restore. The archive API can add and replace files but never delete
 * them, and the helper image has no programs to run, so clearing takes one of two other routes.
 */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { helperMountPath, withHelper } from "./archive-helper.ts";
import type { DockerClient } from "./client.ts";
import { engineCall, isRuntimeError, RuntimeError } from "./errors.ts";
import { inspectVolume } from "./volumes.ts";

interface PathStat {
  mode: number;
  mtime: string;
}

/** The Engine's view of the volume root: mode bits and mtime with nanoseconds. */
async function engineRootStat(client: DockerClient, volume: string): Promise<PathStat> {
  return withHelper(client, volume, { readOnly: true }, async (helper) => {
    const res = (await engineCall(`stat volume "${volume}"`, () =>
      helper.container.infoArchive({ path: `${helperMountPath}/.` }),
    )) as { headers: Record<string, string | undefined>; resume(): void };
    res.resume();
    const header = res.headers["x-docker-container-path-stat"];
    if (!header) throw new RuntimeError("engine", `stat volume "${volume}": the Engine sent no path stat`);
    return JSON.parse(Buffer.from(header, "base64").toString("utf8")) as PathStat;
  });
}

/** Go's RFC 3339 time with up to 9 fraction digits, as nanoseconds since the epoch. */
export function parseGoTime(text: string): bigint | undefined {
  const match = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3]}`) / 1000;
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1_000_000_000n + BigInt((match[2] ?? "").padEnd(9, "0"));
}

/**
 * True when `mountpoint` on this machine is the very directory the Engine shows as the volume
 * root. Same path is not enough: another daemon (a lab host, a remote Engine) may own a volume
 * of the same name whose path also exists here.
 */
async function isLocalMountpoint(client: DockerClient, volume: string, mountpoint: string): Promise<boolean> {
  const local = await stat(mountpoint, { bigint: true }).catch(() => undefined);
  if (!local?.isDirectory()) return false;
  const remote = await engineRootStat(client, volume);
  return parseGoTime(remote.mtime) === local.mtimeNs && Number(local.mode & 0o777n) === (remote.mode & 0o777);
}

async function recreate(client: DockerClient, volume: string): Promise<boolean> {
  const v = await inspectVolume(client, volume);
  if (v.usedBy.length > 0) return false;
  const removed = await engineCall(`remove volume "${volume}" to clear it`, () =>
    client.docker.getVolume(volume).remove(),
  ).then(
    () => true,
    (error: unknown) => {
      if (isRuntimeError(error, "conflict")) return false; // a container started using it meanwhile
      throw error;
    },
  );
  if (!removed) return false;
  await engineCall(`recreate volume "${volume}"`, () =>
    client.docker.createVolume({ Name: volume, Driver: v.driver, DriverOpts: v.options, Labels: v.labels }),
  );
  return true;
}

/**
 * Empties a volume, keeping its name, driver, options and labels. Unused: removed and created
 * again (works for any driver and any Engine). In use: its directory is emptied in place when
 * this process can reach it (an agent runs on its host as root). Otherwise `conflict`.
 */
export async function clearVolume(client: DockerClient, volume: string): Promise<"recreated" | "emptied"> {
  if (await recreate(client, volume)) return "recreated";
  const { mountpoint, usedBy } = await inspectVolume(client, volume);
  if (!(await isLocalMountpoint(client, volume, mountpoint))) {
    const users = usedBy.map((u) => u.name).join(", ");
    throw new RuntimeError(
      "conflict",
      `cannot clear volume "${volume}": containers ${users} use it and its directory is not reachable from this process; remove them or restore into a new volume`,
    );
  }
  const entries = await readdir(mountpoint);
  await Promise.all(entries.map((name) => rm(join(mountpoint, name), { recursive: true, force: true })));
  return "emptied";
}
