/** Facts about one host's Docker Engine: version, OS, kernel, CPUs, memory, storage, disk usage. */
import { z } from "zod";
import type { DockerClient } from "./client.ts";
import { engineCall } from "./errors.ts";

const UsageSchema = z.object({
  count: z.number().int(),
  /** Bytes on disk. */
  sizeBytes: z.number(),
  /** Bytes a prune could free, computed as `docker system df` does. */
  reclaimableBytes: z.number(),
});

export const DiskUsageSchema = z.object({
  images: UsageSchema,
  containers: UsageSchema,
  volumes: UsageSchema,
  buildCache: UsageSchema,
});
export type DiskUsage = z.infer<typeof DiskUsageSchema>;

export const HostFactsSchema = z.object({
  hostname: z.string(),
  engine: z.object({
    version: z.string(),
    apiVersion: z.string(),
    minApiVersion: z.string(),
    /** The API version this client negotiated. */
    negotiatedApiVersion: z.string(),
    gitCommit: z.string(),
    goVersion: z.string(),
  }),
  os: z.object({
    /** e.g. "Debian GNU/Linux 12 (bookworm)". */
    name: z.string(),
    type: z.string(),
    kernelVersion: z.string(),
    architecture: z.string(),
  }),
  cpus: z.number().int(),
  memoryBytes: z.number(),
  storageDriver: z.string(),
  dockerRootDir: z.string(),
  loggingDriver: z.string(),
  cgroupVersion: z.string(),
  cgroupDriver: z.string(),
  securityOptions: z.array(z.string()),
  containers: z.object({
    total: z.number().int(),
    running: z.number().int(),
    paused: z.number().int(),
    stopped: z.number().int(),
  }),
  images: z.number().int(),
  /** The Engine's clock (RFC 3339), to judge skew against ours. */
  systemTime: z.string(),
  /** Present when asked for: walking volumes and layers can take a while on a big host. */
  diskUsage: DiskUsageSchema.optional(),
});
export type HostFacts = z.infer<typeof HostFactsSchema>;

interface RawDf {
  LayersSize?: number;
  Images?: { Containers: number; Size: number; SharedSize: number }[] | null;
  Containers?: { State: string; SizeRw?: number }[] | null;
  Volumes?: { UsageData?: { Size: number; RefCount: number } | null }[] | null;
  BuildCache?: { Size: number; InUse: boolean; Shared: boolean }[] | null;
}

function imageUsage(df: RawDf): DiskUsage["images"] {
  const images = df.Images ?? [];
  const total = df.LayersSize ?? 0;
  let used = 0;
  for (const image of images) {
    // -1 means the Engine did not compute it; the CLI skips such images too.
    if (image.Containers > 0 && image.Size !== -1 && image.SharedSize !== -1)
      used += image.Size - image.SharedSize;
  }
  return { count: images.length, sizeBytes: total, reclaimableBytes: Math.max(0, total - used) };
}

function containerUsage(df: RawDf): DiskUsage["containers"] {
  const containers = df.Containers ?? [];
  let size = 0;
  let reclaimable = 0;
  for (const c of containers) {
    size += c.SizeRw ?? 0;
    if (c.State !== "running" && c.State !== "paused") reclaimable += c.SizeRw ?? 0;
  }
  return { count: containers.length, sizeBytes: size, reclaimableBytes: reclaimable };
}

function volumeUsage(df: RawDf): DiskUsage["volumes"] {
  const volumes = df.Volumes ?? [];
  let size = 0;
  let reclaimable = 0;
  for (const v of volumes) {
    const bytes = Math.max(0, v.UsageData?.Size ?? 0);
    size += bytes;
    if (v.UsageData?.RefCount === 0) reclaimable += bytes;
  }
  return { count: volumes.length, sizeBytes: size, reclaimableBytes: reclaimable };
}

function buildCacheUsage(df: RawDf): DiskUsage["buildCache"] {
  const records = df.BuildCache ?? [];
  let size = 0;
  let reclaimable = 0;
  for (const r of records) {
    if (!r.Shared) size += r.Size;
    if (!r.Shared && !r.InUse) reclaimable += r.Size;
  }
  return { count: records.length, sizeBytes: size, reclaimableBytes: reclaimable };
}

/** `docker system df`: images, containers, volumes and build cache, with what a prune would free. */
export async function diskUsage(client: DockerClient): Promise<DiskUsage> {
  const df = (await engineCall("read disk usage", () => client.docker.df())) as RawDf;
  return {
    images: imageUsage(df),
    containers: containerUsage(df),
    volumes: volumeUsage(df),
    buildCache: buildCacheUsage(df),
  };
}

/** Everything the console shows about a host, in one call (`diskUsage: true` adds `system df`). */
export async function hostFacts(
  client: DockerClient,
  options: { diskUsage?: boolean } = {},
): Promise<HostFacts> {
  const [version, info, disk] = await Promise.all([
    engineCall("read Engine version", () => client.docker.version()),
    engineCall("read Engine info", () => client.docker.info()) as Promise<Record<string, unknown>>,
    options.diskUsage ? diskUsage(client) : Promise.resolve(undefined),
  ]);
  const text = (key: string) => String(info[key] ?? "");
  const count = (key: string) => Number(info[key] ?? 0);
  return {
    hostname: text("Name"),
    engine: {
      version: version.Version,
      apiVersion: version.ApiVersion,
      minApiVersion: (version as { MinAPIVersion?: string }).MinAPIVersion ?? "",
      negotiatedApiVersion: client.apiVersion,
      gitCommit: version.GitCommit,
      goVersion: version.GoVersion,
    },
    os: {
      name: text("OperatingSystem"),
      type: text("OSType"),
      kernelVersion: text("KernelVersion"),
      architecture: text("Architecture"),
    },
    cpus: count("NCPU"),
    memoryBytes: count("MemTotal"),
    storageDriver: text("Driver"),
    dockerRootDir: text("DockerRootDir"),
    loggingDriver: text("LoggingDriver"),
    cgroupVersion: text("CgroupVersion"),
    cgroupDriver: text("CgroupDriver"),
    securityOptions: (info.SecurityOptions as string[] | undefined) ?? [],
    containers: {
      total: count("Containers"),
      running: count("ContainersRunning"),
      paused: count("ContainersPaused"),
      stopped: count("ContainersStopped"),
    },
    images: count("Images"),
    systemTime: text("SystemTime"),
    diskUsage: disk,
  };
}
