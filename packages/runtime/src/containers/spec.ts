/**
 * The container spec a user fills in (image, command, env, ports, mounts, networks, limits, …),
 * validated before any Engine call, and its translation to the Engine's create body.
 */
import type Docker from "dockerode";
import { z } from "zod";

const name = z
  .string()
  .regex(/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, "must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (Docker's name rule)");
const absolutePath = z.string().regex(/^\//, "must be an absolute path");
const envName = z.string().regex(/^[^=\s][^=]*$/, "must be a variable name without '=' ");
const capability = z
  .string()
  .regex(/^(CAP_)?[A-Z_]+$/, "must be a capability name like NET_ADMIN or ALL")
  .transform((cap) => cap.replace(/^CAP_/, ""));
const port = z.number().int().min(1).max(65535);

/** Docker refuses memory limits below 6 MiB. */
export const minMemoryBytes = 6 * 1024 * 1024;

export const PortSpecSchema = z.object({
  containerPort: port,
  protocol: z.enum(["tcp", "udp", "sctp"]).default("tcp"),
  /** Published on the host; omitted (or 0) means a random free port. */
  hostPort: z.number().int().min(0).max(65535).optional(),
  hostIp: z.string().optional(),
});

export const MountSpecSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("bind"),
    source: absolutePath,
    target: absolutePath,
    readOnly: z.boolean().default(false),
  }),
  z.object({
    type: z.literal("volume"),
    /** A named volume; omitted means an anonymous volume (removed with the container). */
    source: name.optional(),
    target: absolutePath,
    readOnly: z.boolean().default(false),
  }),
  z.object({
    type: z.literal("tmpfs"),
    target: absolutePath,
    sizeBytes: z.number().int().positive().optional(),
    mode: z.number().int().min(0).max(0o7777).optional(),
  }),
]);

export const NetworkAttachmentSchema = z.object({
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  ipv4Address: z.ipv4().optional(),
});

export const RestartPolicySchema = z
  .object({
    name: z.enum(["no", "always", "unless-stopped", "on-failure"]),
    maximumRetryCount: z.number().int().min(0).optional(),
  })
  .refine((policy) => policy.maximumRetryCount === undefined || policy.name === "on-failure", {
    message: "maximumRetryCount only applies to on-failure",
    path: ["maximumRetryCount"],
  });

export const ResourcesSchema = z.object({
  /** CPUs the container may use, e.g. 0.5 (Docker's --cpus). */
  cpus: z.number().positive().optional(),
  cpuShares: z.number().int().min(2).optional(),
  memoryBytes: z.number().int().min(minMemoryBytes).optional(),
  /** Memory plus swap; -1 means unlimited swap. */
  memorySwapBytes: z.number().int().min(-1).optional(),
  memoryReservationBytes: z.number().int().min(0).optional(),
  pidsLimit: z.number().int().min(-1).optional(),
});
export type Resources = z.input<typeof ResourcesSchema>;

export const ContainerSpecSchema = z.object({
  name: name.optional(),
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  entrypoint: z.array(z.string()).optional(),
  workingDir: absolutePath.optional(),
  env: z.record(envName, z.string()).default({}),
  labels: z.record(z.string().min(1), z.string()).default({}),
  user: z.string().min(1).optional(),
  hostname: z.string().min(1).optional(),
  tty: z.boolean().default(false),
  openStdin: z.boolean().default(false),
  ports: z.array(PortSpecSchema).default([]),
  mounts: z.array(MountSpecSchema).default([]),
  /** The first network is joined at create, the others before start. Empty means the default bridge. */
  networks: z.array(NetworkAttachmentSchema).default([]),
  restartPolicy: RestartPolicySchema.optional(),
  resources: ResourcesSchema.default({}),
  capAdd: z.array(capability).default([]),
  capDrop: z.array(capability).default([]),
  readOnlyRootfs: z.boolean().default(false),
  privileged: z.boolean().default(false),
  init: z.boolean().optional(),
  stopSignal: z.string().min(1).optional(),
  stopTimeoutSeconds: z.number().int().min(0).optional(),
});
export type ContainerSpec = z.input<typeof ContainerSpecSchema>;
export type ParsedContainerSpec = z.output<typeof ContainerSpecSchema>;

/** The Engine's resource fields (also the body of POST /containers/{id}/update). */
export function engineResources(resources: z.output<typeof ResourcesSchema>): Docker.HostConfig {
  return {
    NanoCpus: resources.cpus === undefined ? undefined : Math.round(resources.cpus * 1e9),
    CpuShares: resources.cpuShares,
    Memory: resources.memoryBytes,
    MemorySwap: resources.memorySwapBytes,
    MemoryReservation: resources.memoryReservationBytes,
    PidsLimit: resources.pidsLimit,
  };
}

function portBindings(spec: ParsedContainerSpec): Pick<Docker.ContainerCreateOptions, "ExposedPorts"> & {
  bindings: Docker.PortMap;
} {
  const exposed: Record<string, object> = {};
  const bindings: Docker.PortMap = {};
  for (const p of spec.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    const binding = { HostIp: p.hostIp ?? "", HostPort: p.hostPort ? String(p.hostPort) : "" };
    bindings[key] = [...(bindings[key] ?? []), binding];
  }
  return { ExposedPorts: exposed, bindings };
}

/**
 * Binds, named volumes and tmpfs go through `Mounts` (a missing bind source is an error rather than
 * a directory silently created); anonymous volumes through `Volumes`, because on Engine 20.10 only
 * those are removed with the container's `v=true`.
 */
function mounts(spec: ParsedContainerSpec): {
  mounts: Docker.MountSettings[];
  volumes: Record<string, object>;
} {
  const result: Docker.MountSettings[] = [];
  const volumes: Record<string, object> = {};
  for (const m of spec.mounts) {
    if (m.type === "bind")
      result.push({ Type: "bind", Source: m.source, Target: m.target, ReadOnly: m.readOnly });
    else if (m.type === "tmpfs") {
      const options = { SizeBytes: m.sizeBytes, Mode: m.mode };
      const tmpfs = { Type: "tmpfs", Target: m.target, Source: "", TmpfsOptions: options };
      result.push(tmpfs as Docker.MountSettings);
    } else if (m.source) {
      result.push({ Type: "volume", Source: m.source, Target: m.target, ReadOnly: m.readOnly });
    } else volumes[m.target] = {};
  }
  return { mounts: result, volumes };
}

function endpoint(network: ParsedContainerSpec["networks"][number]): Docker.EndpointSettings {
  return {
    Aliases: network.aliases,
    ...(network.ipv4Address ? { IPAMConfig: { IPv4Address: network.ipv4Address } } : {}),
  };
}

/** The create body for a parsed spec; networks after the first are joined separately. */
export function createOptions(spec: ParsedContainerSpec): Docker.ContainerCreateOptions {
  const ports = portBindings(spec);
  const { mounts: mountList, volumes } = mounts(spec);
  const [first] = spec.networks;
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: spec.command,
    Entrypoint: spec.entrypoint,
    WorkingDir: spec.workingDir,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Labels: spec.labels,
    User: spec.user,
    Hostname: spec.hostname,
    Tty: spec.tty,
    OpenStdin: spec.openStdin,
    StopSignal: spec.stopSignal,
    StopTimeout: spec.stopTimeoutSeconds,
    ExposedPorts: ports.ExposedPorts,
    Volumes: volumes,
    HostConfig: {
      ...engineResources(spec.resources),
      PortBindings: ports.bindings,
      Mounts: mountList,
      NetworkMode: first?.name,
      RestartPolicy: spec.restartPolicy
        ? { Name: spec.restartPolicy.name, MaximumRetryCount: spec.restartPolicy.maximumRetryCount }
        : undefined,
      CapAdd: spec.capAdd,
      CapDrop: spec.capDrop,
      ReadonlyRootfs: spec.readOnlyRootfs,
      Privileged: spec.privileged,
      Init: spec.init,
    },
    NetworkingConfig: first ? { EndpointsConfig: { [first.name]: endpoint(first) } } : undefined,
  };
}

export function extraNetworks(
  spec: ParsedContainerSpec,
): { name: string; endpoint: Docker.EndpointSettings }[] {
  return spec.networks.slice(1).map((network) => ({ name: network.name, endpoint: endpoint(network) }));
}
