/** Docker volumes of one host: list (with sizes and the containers using each), inspect, create, remove, prune. */
import { z } from "zod";
import { compareApiVersions, type DockerClient } from "./client.ts";
import { dial } from "./dial.ts";
import { engineCall } from "./errors.ts";
import { DockerName, Labels, labelFilters, parseSpec } from "./spec.ts";

export const VolumeName = DockerName;

/** What `docker volume create` takes. */
export const VolumeSpec = z.object({
  /** Omitted: the Engine names the volume (an "anonymous" 64-hex name). */
  name: VolumeName.optional(),
  driver: z.string().min(1).default("local"),
  driverOpts: z.record(z.string(), z.string()).default({}),
  labels: Labels.default({}),
});
export type VolumeSpec = z.input<typeof VolumeSpec>;

/** Label filter in the Engine's sense: `{ key: "" }` matches any value. */
export const VolumeFilter = z.object({
  labels: Labels.optional(),
  dangling: z.boolean().optional(),
});
export type VolumeFilter = z.input<typeof VolumeFilter>;

export const VolumeUser = z.object({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  /** Where the volume is mounted inside that container. */
  destination: z.string(),
  readOnly: z.boolean(),
});
export type VolumeUser = z.infer<typeof VolumeUser>;

export const Volume = z.object({
  name: z.string(),
  driver: z.string(),
  mountpoint: z.string(),
  scope: z.string(),
  createdAt: z.string().nullable(),
  labels: Labels,
  options: z.record(z.string(), z.string()),
  /** Bytes on disk as `docker system df -v` reports them; null when not asked for or not known (non-local drivers). */
  sizeBytes: z.number().nullable(),
  usedBy: z.array(VolumeUser),
});
export type Volume = z.infer<typeof Volume>;

export interface VolumePruneReport {
  deleted: string[];
  spaceReclaimed: number;
}

interface RawVolume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Scope: string;
  CreatedAt?: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
}

function toVolume(raw: RawVolume, usedBy: VolumeUser[], sizeBytes: number | null): Volume {
  return {
    name: raw.Name,
    driver: raw.Driver,
    mountpoint: raw.Mountpoint,
    scope: raw.Scope,
    createdAt: raw.CreatedAt ?? null,
    labels: raw.Labels ?? {},
    options: raw.Options ?? {},
    sizeBytes,
    usedBy,
  };
}

/** Every container (running or not) that mounts a volume, keyed by volume name. */
export async function volumeUsers(client: DockerClient, volume?: string): Promise<Map<string, VolumeUser[]>> {
  const filters = volume ? { volume: [volume] } : undefined;
  const containers = await engineCall("list containers", () =>
    client.docker.listContainers({ all: true, ...(filters ? { filters } : {}) }),
  );
  const users = new Map<string, VolumeUser[]>();
  for (const c of containers) {
    for (const m of c.Mounts) {
      if (m.Type !== "volume" || !m.Name) continue;
      const user = {
        id: c.Id,
        name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
        state: c.State,
        destination: m.Destination,
        readOnly: !m.RW,
      };
      users.set(m.Name, [...(users.get(m.Name) ?? []), user]);
    }
  }
  return users;
}

/** Sizes from `system df`; -1 means the Engine could not tell (e.g. a non-local driver). */
async function volumeSizes(client: DockerClient): Promise<Map<string, number>> {
  // API 1.42 can limit df to volumes; older daemons also size images and containers, which is slower.
  const onlyVolumes = compareApiVersions(client.apiVersion, "1.42") >= 0 ? { type: ["volume"] } : undefined;
  // dockerode's df() sends no query, so the `type` filter goes through the modem directly.
  const df = await engineCall("read disk usage", () =>
    dial<{ Volumes?: RawVolume[] | null }>(client, {
      path: "/system/df?",
      method: "GET",
      query: onlyVolumes ?? {},
      statusCodes: { 200: true, 500: "server error" },
    }),
  );
  const sizes = new Map<string, number>();
  for (const v of df.Volumes ?? []) {
    const size = v.UsageData?.Size;
    if (size !== undefined && size >= 0) sizes.set(v.Name, size);
  }
  return sizes;
}

export interface ListVolumesOptions {
  filter?: VolumeFilter;
  /** Ask the Engine for sizes (`system df`): walks every local volume, so it costs disk reads. Default true. */
  withSizes?: boolean;
}

/** Lists volumes with the containers using each and, by default, their size on disk. */
export async function listVolumes(client: DockerClient, options: ListVolumesOptions = {}): Promise<Volume[]> {
  const filter = parseSpec(VolumeFilter, options.filter ?? {}, "list volumes");
  const filters: Record<string, string[]> = {};
  if (filter.labels) filters.label = labelFilters(filter.labels);
  if (filter.dangling !== undefined) filters.dangling = [String(filter.dangling)];
  const [list, users, sizes] = await Promise.all([
    engineCall("list volumes", () => client.docker.listVolumes({ filters })),
    volumeUsers(client),
    options.withSizes === false ? Promise.resolve(new Map<string, number>()) : volumeSizes(client),
  ]);
  return ((list.Volumes ?? []) as RawVolume[])
    .map((v) => toVolume(v, users.get(v.Name) ?? [], sizes.get(v.Name) ?? null))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Inspects one volume; `not_found` when it does not exist. Size only when asked (it costs a `system df`). */
export async function inspectVolume(
  client: DockerClient,
  name: string,
  options: { withSize?: boolean } = {},
): Promise<Volume> {
  const [raw, users, sizes] = await Promise.all([
    engineCall(`inspect volume "${name}"`, () => client.docker.getVolume(name).inspect()),
    volumeUsers(client, name),
    options.withSize ? volumeSizes(client) : Promise.resolve(new Map<string, number>()),
  ]);
  return toVolume(raw as RawVolume, users.get(name) ?? [], sizes.get(name) ?? null);
}

/**
 * Creates a volume. Like `docker volume create`, creating a name that exists with the same driver
 * returns the existing volume; the Engine answers `conflict` when the driver differs.
 */
export async function createVolume(client: DockerClient, spec: VolumeSpec): Promise<Volume> {
  const s = parseSpec(VolumeSpec, spec, "create volume");
  const handle = await engineCall(`create volume "${s.name ?? "(anonymous)"}"`, () =>
    client.docker.createVolume({
      Name: s.name,
      Driver: s.driver,
      DriverOpts: s.driverOpts,
      Labels: s.labels,
    }),
  );
  return inspectVolume(client, handle.name);
}

/** Removes a volume; `conflict` while any container (even a stopped one) uses it. */
export async function removeVolume(
  client: DockerClient,
  name: string,
  options: { force?: boolean } = {},
): Promise<void> {
  await engineCall(`remove volume "${name}"`, () =>
    client.docker.getVolume(name).remove({ force: options.force ?? false }),
  );
}

/**
 * Removes volumes no container uses. Engines from API 1.42 only prune anonymous volumes unless
 * `all` is set; 1.41 prunes every unused volume either way.
 */
export async function pruneVolumes(
  client: DockerClient,
  options: { labels?: Record<string, string>; all?: boolean } = {},
): Promise<VolumePruneReport> {
  const filters: Record<string, string[]> = {};
  if (options.labels) filters.label = labelFilters(parseSpec(Labels, options.labels, "prune volumes"));
  if (options.all && compareApiVersions(client.apiVersion, "1.42") >= 0) filters.all = ["true"];
  const report = await engineCall("prune volumes", () => client.docker.pruneVolumes({ filters }));
  return { deleted: report.VolumesDeleted ?? [], spaceReclaimed: report.SpaceReclaimed ?? 0 };
}
