/** Docker networks of one host: list, inspect, create, remove, connect/disconnect containers, prune. */
import { isIP } from "node:net";
import { z } from "zod";
import type { DockerClient } from "./client.ts";
import { engineCall, isRuntimeError, RuntimeError } from "./errors.ts";
import { DockerName, Labels, labelFilters, parseSpec } from "./spec.ts";

export const NetworkName = DockerName;

const Cidr = z.string().refine((value) => {
  const [ip, bits, ...rest] = value.split("/");
  const family = isIP(ip ?? "");
  const max = family === 6 ? 128 : 32;
  return rest.length === 0 && family !== 0 && /^\d+$/.test(bits ?? "") && Number(bits) <= max;
}, "must be an IPv4 or IPv6 CIDR, e.g. 172.28.0.0/16");
const Ip = z.string().refine((value) => isIP(value) !== 0, "must be an IPv4 or IPv6 address");

/** One IPAM pool: what `docker network create --subnet --gateway --ip-range` sets. */
export const NetworkSubnet = z.object({
  subnet: Cidr,
  gateway: Ip.optional(),
  ipRange: Cidr.optional(),
});
export type NetworkSubnet = z.infer<typeof NetworkSubnet>;

/** What `docker network create` takes. */
export const NetworkSpec = z.object({
  name: NetworkName,
  driver: z.string().min(1).default("bridge"),
  subnets: z.array(NetworkSubnet).default([]),
  /** No route to the outside (no gateway NAT). */
  internal: z.boolean().default(false),
  /** Standalone containers may join (matters for swarm overlay networks). */
  attachable: z.boolean().default(false),
  enableIPv6: z.boolean().default(false),
  /** Driver options, e.g. `com.docker.network.bridge.name`. */
  options: z.record(z.string(), z.string()).default({}),
  labels: Labels.default({}),
});
export type NetworkSpec = z.input<typeof NetworkSpec>;

/** A container's place on a network: what `docker network connect --alias --ip` sets. */
export const EndpointSpec = z.object({
  container: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  ipv4Address: z
    .string()
    .refine((v) => isIP(v) === 4, "must be an IPv4 address")
    .optional(),
  ipv6Address: z
    .string()
    .refine((v) => isIP(v) === 6, "must be an IPv6 address")
    .optional(),
});
export type EndpointSpec = z.input<typeof EndpointSpec>;

export const NetworkEndpoint = z.object({
  containerId: z.string(),
  name: z.string(),
  endpointId: z.string(),
  macAddress: z.string().nullable(),
  /** Without the prefix length. */
  ipv4Address: z.string().nullable(),
  ipv6Address: z.string().nullable(),
});
export type NetworkEndpoint = z.infer<typeof NetworkEndpoint>;

export const Network = z.object({
  id: z.string(),
  name: z.string(),
  driver: z.string(),
  scope: z.string(),
  created: z.string(),
  internal: z.boolean(),
  attachable: z.boolean(),
  ingress: z.boolean(),
  enableIPv6: z.boolean(),
  subnets: z.array(NetworkSubnet),
  options: z.record(z.string(), z.string()),
  labels: Labels,
  /** The containers on it; for swarm-scoped networks only those on this host. */
  containers: z.array(NetworkEndpoint),
});
export type Network = z.infer<typeof Network>;

interface RawNetwork {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Created: string;
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  EnableIPv6: boolean;
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string; IPRange?: string }> | null };
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  Containers?: Record<
    string,
    { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }
  > | null;
}

const bare = (address: string) => (address ? (address.split("/")[0] ?? null) : null);

function toNetwork(raw: RawNetwork): Network {
  return {
    id: raw.Id,
    name: raw.Name,
    driver: raw.Driver,
    scope: raw.Scope,
    created: raw.Created,
    internal: raw.Internal,
    attachable: raw.Attachable,
    ingress: raw.Ingress,
    enableIPv6: raw.EnableIPv6,
    subnets: (raw.IPAM?.Config ?? []).flatMap((c) =>
      c.Subnet
        ? [{ subnet: c.Subnet, gateway: c.Gateway || undefined, ipRange: c.IPRange || undefined }]
        : [],
    ),
    options: raw.Options ?? {},
    labels: raw.Labels ?? {},
    containers: Object.entries(raw.Containers ?? {})
      .map(([id, c]) => ({
        containerId: id,
        name: c.Name,
        endpointId: c.EndpointID,
        macAddress: c.MacAddress || null,
        ipv4Address: bare(c.IPv4Address),
        ipv6Address: bare(c.IPv6Address),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export const NetworkFilter = z.object({
  labels: Labels.optional(),
  driver: z.string().optional(),
  name: z.string().optional(),
});
export type NetworkFilter = z.input<typeof NetworkFilter>;

/**
 * Lists networks with their containers. The Engine's list leaves `Containers` empty, so each
 * network is inspected (in parallel; a host has few networks).
 */
export async function listNetworks(client: DockerClient, filter: NetworkFilter = {}): Promise<Network[]> {
  const f = parseSpec(NetworkFilter, filter, "list networks");
  const filters: Record<string, string[]> = {};
  if (f.labels) filters.label = labelFilters(f.labels);
  if (f.driver) filters.driver = [f.driver];
  if (f.name) filters.name = [f.name];
  const list = await engineCall("list networks", () => client.docker.listNetworks({ filters }));
  const inspected = await Promise.all(
    list.map((n) =>
      inspectNetwork(client, n.Id).catch((error: unknown) => {
        if (isRuntimeError(error, "not_found")) return undefined; // removed meanwhile
        throw error;
      }),
    ),
  );
  return inspected.filter((n): n is Network => n !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}

/** Inspects a network by name or id; `not_found` when there is none. */
export async function inspectNetwork(client: DockerClient, network: string): Promise<Network> {
  const raw = await engineCall(`inspect network "${network}"`, () =>
    client.docker.getNetwork(network).inspect(),
  );
  return toNetwork(raw as RawNetwork);
}

/**
 * Creates a network. Unlike the Engine (which allows duplicate names), an existing name is a
 * `conflict`: two networks of one name make every later reference by name ambiguous.
 */
export async function createNetwork(client: DockerClient, spec: NetworkSpec): Promise<Network> {
  const s = parseSpec(NetworkSpec, spec, "create network");
  const handle = await networkCall(`create network "${s.name}"`, () =>
    client.docker.createNetwork({
      Name: s.name,
      CheckDuplicate: true,
      Driver: s.driver,
      Internal: s.internal,
      Attachable: s.attachable,
      EnableIPv6: s.enableIPv6,
      Options: s.options,
      Labels: s.labels,
      IPAM: {
        Driver: "default",
        Config: s.subnets.map((p) => ({ Subnet: p.subnet, Gateway: p.gateway, IPRange: p.ipRange })),
      },
    }),
  );
  return inspectNetwork(client, handle.id);
}

/**
 * Network calls answer 403 for "not in this state" (pool overlaps, active endpoints, endpoint
 * exists): that is a conflict, not a permission. Bad addresses come back as 500.
 */
async function networkCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await engineCall(what, call);
  } catch (error) {
    if (isRuntimeError(error, "permission") && error.statusCode === 403) {
      throw new RuntimeError("conflict", error.message, 403);
    }
    if (
      isRuntimeError(error, "engine") &&
      /invalid address|out of range|not belong|invalid pool/i.test(error.message)
    ) {
      throw new RuntimeError("invalid_spec", error.message, error.statusCode);
    }
    throw error;
  }
}

/** Removes a network; `conflict` while containers are connected. */
export async function removeNetwork(client: DockerClient, network: string): Promise<void> {
  await networkCall(`remove network "${network}"`, () => client.docker.getNetwork(network).remove());
}

/** Connects a container (running or not) with aliases and, on networks with a configured subnet, a fixed IP. */
export async function connectContainer(
  client: DockerClient,
  network: string,
  endpoint: EndpointSpec,
): Promise<void> {
  const e = parseSpec(EndpointSpec, endpoint, "connect container");
  const ipam =
    e.ipv4Address || e.ipv6Address ? { IPv4Address: e.ipv4Address, IPv6Address: e.ipv6Address } : undefined;
  await networkCall(`connect container "${e.container}" to network "${network}"`, () =>
    client.docker.getNetwork(network).connect({
      Container: e.container,
      EndpointConfig: { Aliases: e.aliases, ...(ipam ? { IPAMConfig: ipam } : {}) },
    }),
  );
}

/** Disconnects a container; `force` also works when the container's endpoint is stale. */
export async function disconnectContainer(
  client: DockerClient,
  network: string,
  container: string,
  options: { force?: boolean } = {},
): Promise<void> {
  await networkCall(`disconnect container "${container}" from network "${network}"`, () =>
    client.docker.getNetwork(network).disconnect({ Container: container, Force: options.force ?? false }),
  );
}

/** Removes networks no container uses (never the predefined bridge, host and none). */
export async function pruneNetworks(
  client: DockerClient,
  options: { labels?: Record<string, string> } = {},
): Promise<{ deleted: string[] }> {
  const filters: Record<string, string[]> = {};
  if (options.labels) filters.label = labelFilters(parseSpec(Labels, options.labels, "prune networks"));
  const report = await engineCall("prune networks", () => client.docker.pruneNetworks({ filters }));
  return { deleted: report.NetworksDeleted ?? [] };
}
