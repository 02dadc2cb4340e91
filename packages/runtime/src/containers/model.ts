/** What the runtime reports about containers: typed, trimmed views of the Engine's list and inspect. */
import type Docker from "dockerode";
import { z } from "zod";

export const PublishedPortSchema = z.object({
  containerPort: z.number().int(),
  protocol: z.string(),
  hostIp: z.string().optional(),
  hostPort: z.number().int().optional(),
});

export const MountInfoSchema = z.object({
  type: z.string(),
  /** Volume name for volumes. */
  name: z.string().optional(),
  source: z.string(),
  destination: z.string(),
  readOnly: z.boolean(),
});

export const ContainerSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  imageId: z.string(),
  command: z.string(),
  /** RFC 3339. */
  created: z.string(),
  /** created, running, paused, restarting, removing, exited or dead. */
  state: z.string(),
  /** Docker's human text, e.g. "Up 5 minutes". */
  status: z.string(),
  labels: z.record(z.string(), z.string()),
  ports: z.array(PublishedPortSchema),
  networks: z.array(z.string()),
  mounts: z.array(MountInfoSchema),
  /** Bytes written in the container's layer; only when sizes were asked for. */
  sizeRw: z.number().optional(),
  sizeRootFs: z.number().optional(),
});
export type ContainerSummary = z.infer<typeof ContainerSummarySchema>;

export const EndpointInfoSchema = z.object({
  network: z.string(),
  networkId: z.string(),
  ipAddress: z.string(),
  macAddress: z.string(),
  aliases: z.array(z.string()),
});

export const ContainerDetailsSchema = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  imageId: z.string(),
  created: z.string(),
  state: z.object({
    status: z.string(),
    running: z.boolean(),
    paused: z.boolean(),
    restarting: z.boolean(),
    oomKilled: z.boolean(),
    pid: z.number().int(),
    exitCode: z.number().int(),
    error: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    health: z.string().optional(),
  }),
  restartCount: z.number().int(),
  command: z.array(z.string()),
  entrypoint: z.array(z.string()),
  env: z.array(z.string()),
  labels: z.record(z.string(), z.string()),
  user: z.string(),
  workingDir: z.string(),
  tty: z.boolean(),
  restartPolicy: z.object({ name: z.string(), maximumRetryCount: z.number().int() }),
  resources: z.object({
    nanoCpus: z.number(),
    cpuShares: z.number(),
    memoryBytes: z.number(),
    memorySwapBytes: z.number(),
    pidsLimit: z.number().nullable(),
  }),
  capAdd: z.array(z.string()),
  capDrop: z.array(z.string()),
  readOnlyRootfs: z.boolean(),
  privileged: z.boolean(),
  networkMode: z.string(),
  ports: z.array(PublishedPortSchema),
  mounts: z.array(MountInfoSchema),
  networks: z.array(EndpointInfoSchema),
  sizeRw: z.number().optional(),
  sizeRootFs: z.number().optional(),
});
export type ContainerDetails = z.infer<typeof ContainerDetailsSchema>;

function asArray(value: string | string[] | null | undefined): string[] {
  if (!value) return [];
  return Array.isArray(value) ? value : [value];
}

export function summaryFromList(c: Docker.ContainerInfo): ContainerSummary {
  const raw = c as Docker.ContainerInfo & { SizeRw?: number; SizeRootFs?: number };
  return {
    id: c.Id,
    name: (c.Names[0] ?? "").replace(/^\//, ""),
    image: c.Image,
    imageId: c.ImageID,
    command: c.Command,
    created: new Date(c.Created * 1000).toISOString(),
    state: c.State,
    status: c.Status,
    labels: c.Labels ?? {},
    ports: (c.Ports ?? []).map((p) => ({
      containerPort: p.PrivatePort,
      protocol: p.Type,
      hostIp: p.IP,
      hostPort: p.PublicPort,
    })),
    networks: Object.keys(c.NetworkSettings?.Networks ?? {}),
    mounts: (c.Mounts ?? []).map((m) => ({
      type: m.Type,
      name: m.Name,
      source: m.Source,
      destination: m.Destination,
      readOnly: !m.RW,
    })),
    sizeRw: raw.SizeRw,
    sizeRootFs: raw.SizeRootFs,
  };
}

function portsFromInspect(ports: Docker.PortMap | undefined): ContainerSummary["ports"] {
  return Object.entries(ports ?? {}).flatMap(([key, bindings]) => {
    const [containerPort, protocol = "tcp"] = key.split("/");
    const base = { containerPort: Number(containerPort), protocol };
    if (!bindings || bindings.length === 0) return [base];
    return bindings.map((b) => ({ ...base, hostIp: b.HostIp, hostPort: Number(b.HostPort) }));
  });
}

export function detailsFromInspect(c: Docker.ContainerInspectInfo): ContainerDetails {
  const host = c.HostConfig;
  const raw = c as Docker.ContainerInspectInfo & { SizeRw?: number; SizeRootFs?: number };
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ""),
    image: c.Config.Image,
    imageId: c.Image,
    created: c.Created,
    state: {
      status: c.State.Status,
      running: c.State.Running,
      paused: c.State.Paused,
      restarting: c.State.Restarting,
      oomKilled: c.State.OOMKilled,
      pid: c.State.Pid,
      exitCode: c.State.ExitCode,
      error: c.State.Error,
      startedAt: c.State.StartedAt,
      finishedAt: c.State.FinishedAt,
      health: c.State.Health?.Status,
    },
    restartCount: c.RestartCount,
    command: asArray(c.Config.Cmd),
    entrypoint: asArray(c.Config.Entrypoint as string | string[] | undefined),
    env: c.Config.Env ?? [],
    labels: c.Config.Labels ?? {},
    user: c.Config.User,
    workingDir: c.Config.WorkingDir,
    tty: c.Config.Tty,
    restartPolicy: {
      name: host.RestartPolicy?.Name || "no",
      maximumRetryCount: host.RestartPolicy?.MaximumRetryCount ?? 0,
    },
    resources: {
      nanoCpus: host.NanoCpus ?? 0,
      cpuShares: host.CpuShares ?? 0,
      memoryBytes: host.Memory ?? 0,
      memorySwapBytes: host.MemorySwap ?? 0,
      pidsLimit: host.PidsLimit ?? null,
    },
    capAdd: host.CapAdd ?? [],
    capDrop: host.CapDrop ?? [],
    readOnlyRootfs: host.ReadonlyRootfs ?? false,
    privileged: host.Privileged ?? false,
    networkMode: host.NetworkMode ?? "",
    ports: portsFromInspect(c.NetworkSettings.Ports),
    mounts: c.Mounts.map((m) => ({
      type: m.Type,
      name: m.Name,
      source: m.Source,
      destination: m.Destination,
      readOnly: !m.RW,
    })),
    networks: Object.entries(c.NetworkSettings.Networks ?? {}).map(([network, e]) => ({
      network,
      networkId: e.NetworkID,
      ipAddress: e.IPAddress,
      macAddress: e.MacAddress,
      aliases: e.Aliases ?? [],
    })),
    sizeRw: raw.SizeRw,
    sizeRootFs: raw.SizeRootFs,
  };
}
