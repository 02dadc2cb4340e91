/**
 * The topology of one host as a graph: networks, containers, their endpoints (IP, MAC, aliases)
 * and published ports, plus live edges — established TCP connections between containers, read
 * from each container's network namespace. Overlay networks carry their id so hosts can be joined.
 */
import { z } from "zod";
import { type DockerClient, describeEndpoint } from "./client.ts";
import { engineCall } from "./errors.ts";
import { mapBounded } from "./stats/pool.ts";
import { liveEdges } from "./topology-edges.ts";
import { type RunningContainer, readContainerSockets } from "./topology-proc.ts";

export const TopologyNetwork = z.object({
  id: z.string(),
  name: z.string(),
  driver: z.string(),
  scope: z.string(),
  internal: z.boolean(),
  subnets: z.array(z.string()),
});

export const TopologyPort = z.object({
  privatePort: z.number(),
  protocol: z.string(),
  /** Null when the port is exposed but not published. */
  publicPort: z.number().nullable(),
  hostIp: z.string().nullable(),
});

export const TopologyContainer = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  state: z.string(),
  /** The compose project (`com.docker.compose.project`), for grouping by stack. */
  stack: z.string().nullable(),
  /** `bridge`, `host`, `none`, a network name, or `container:<id>`. */
  networkMode: z.string(),
  ports: z.array(TopologyPort),
});

export const TopologyEndpoint = z.object({
  containerId: z.string(),
  networkId: z.string(),
  ipv4Address: z.string().nullable(),
  ipv6Address: z.string().nullable(),
  macAddress: z.string().nullable(),
  aliases: z.array(z.string()),
});

export const TopologyEdge = z.object({
  /** Client container id. */
  source: z.string(),
  /** Server container id. */
  target: z.string(),
  port: z.number(),
  connections: z.number(),
});

export const TopologyLive = z.object({
  /** False when sockets could not be read at all (e.g. a remote Engine); `edges` is then empty. */
  available: z.boolean(),
  reason: z.string().nullable(),
  skipped: z.array(z.object({ containerId: z.string(), reason: z.string() })),
});

export const Topology = z.object({
  collectedAt: z.string(),
  networks: z.array(TopologyNetwork),
  containers: z.array(TopologyContainer),
  endpoints: z.array(TopologyEndpoint),
  edges: z.array(TopologyEdge),
  live: TopologyLive,
});
export type Topology = z.infer<typeof Topology>;
export type TopologyContainer = z.infer<typeof TopologyContainer>;
export type TopologyEndpoint = z.infer<typeof TopologyEndpoint>;

export interface TopologyOptions {
  /** Read live edges (default true). */
  live?: boolean;
  /** Where the host's /proc is (tests point it elsewhere). */
  procRoot?: string;
}

type Inspected = Awaited<ReturnType<ReturnType<DockerClient["docker"]["getContainer"]>["inspect"]>>;

interface RawEndpoint {
  NetworkID?: string;
  IPAddress?: string;
  GlobalIPv6Address?: string;
  MacAddress?: string;
  Aliases?: string[] | null;
}

async function readNetworks(client: DockerClient) {
  const list = await engineCall("list networks", () => client.docker.listNetworks());
  return list
    .map((n) => ({
      id: n.Id,
      name: n.Name,
      driver: n.Driver,
      scope: n.Scope,
      internal: n.Internal,
      subnets: (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet ? [c.Subnet] : [])),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function inspectAll(client: DockerClient): Promise<Inspected[]> {
  const list = await engineCall("list containers", () => client.docker.listContainers({ all: true }));
  // A container removed between list and inspect simply drops out.
  const settled = await mapBounded(list, 16, (c) => client.docker.getContainer(c.Id).inspect());
  return settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
}

function toContainer(c: Inspected): TopologyContainer {
  const bindings = (c.NetworkSettings.Ports ?? {}) as Record<
    string,
    Array<{ HostIp: string; HostPort: string }> | null
  >;
  const ports = Object.entries(bindings).flatMap(([key, hosts]): z.infer<typeof TopologyPort>[] => {
    const [port = "0", protocol = "tcp"] = key.split("/");
    const privatePort = Number(port);
    if (!hosts?.length) return [{ privatePort, protocol, publicPort: null, hostIp: null }];
    return hosts.map((h) => ({
      privatePort,
      protocol,
      publicPort: Number(h.HostPort),
      hostIp: h.HostIp || null,
    }));
  });
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ""),
    image: c.Config.Image,
    state: c.State.Status,
    stack: c.Config.Labels?.["com.docker.compose.project"] ?? null,
    networkMode: c.HostConfig.NetworkMode ?? "default",
    ports: ports.sort(
      (a, b) => a.privatePort - b.privatePort || (a.hostIp ?? "").localeCompare(b.hostIp ?? ""),
    ),
  };
}

function toEndpoints(c: Inspected): TopologyEndpoint[] {
  const networks = (c.NetworkSettings.Networks ?? {}) as Record<string, RawEndpoint>;
  return Object.values(networks)
    .filter((n) => n.NetworkID)
    .map((n) => ({
      containerId: c.Id,
      networkId: n.NetworkID as string,
      ipv4Address: n.IPAddress || null,
      ipv6Address: n.GlobalIPv6Address || null,
      macAddress: n.MacAddress || null,
      aliases: n.Aliases ?? [],
    }));
}

async function readLive(
  client: DockerClient,
  containers: Inspected[],
  endpoints: TopologyEndpoint[],
  procRoot: string,
): Promise<Pick<Topology, "edges" | "live">> {
  if (client.endpoint.kind !== "socket") {
    const reason = `the Engine at ${describeEndpoint(client.endpoint)} is remote: its containers' network namespaces cannot be read from here`;
    return { edges: [], live: { available: false, reason, skipped: [] } };
  }
  const running: RunningContainer[] = containers
    .filter((c) => c.State.Running && c.State.Pid > 0)
    .map((c) => ({ id: c.Id, pid: c.State.Pid, networkMode: c.HostConfig.NetworkMode ?? "" }));
  const read = await readContainerSockets(procRoot, running);
  const ipOwner = new Map<string, string>();
  for (const e of endpoints) {
    if (e.ipv4Address) ipOwner.set(e.ipv4Address, e.containerId);
    if (e.ipv6Address) ipOwner.set(e.ipv6Address, e.containerId);
  }
  return {
    edges: liveEdges(read.namespaces, ipOwner),
    live: { available: read.available, reason: read.reason, skipped: read.skipped },
  };
}

/** Builds the graph of this host as the Engine and /proc see it now. */
export async function readTopology(client: DockerClient, options: TopologyOptions = {}): Promise<Topology> {
  const [networks, inspected] = await Promise.all([readNetworks(client), inspectAll(client)]);
  const containers = inspected.map(toContainer).sort((a, b) => a.name.localeCompare(b.name));
  const endpoints = inspected.flatMap(toEndpoints);
  const live =
    options.live === false
      ? { edges: [], live: { available: false, reason: "live edges not requested", skipped: [] } }
      : await readLive(client, inspected, endpoints, options.procRoot ?? "/proc");
  return { collectedAt: new Date().toISOString(), networks, containers, endpoints, ...live };
}
