/** Live edges from sockets: which container talks to which, from the TCP sockets of their network namespaces. */
import type { TcpSocket } from "./proc-net-tcp.ts";

/** The sockets of one network namespace and the container that owns it. */
export interface NamespaceSockets {
  containerId: string;
  sockets: TcpSocket[];
}

export interface LiveEdge {
  /** The container that opened the connections (client). */
  source: string;
  /** The container that accepted them (server). */
  target: string;
  /** The server's port. */
  port: number;
  /** Established connections between them on that port. */
  connections: number;
}

const wildcard = new Set(["0.0.0.0", "::"]);

function listens(sockets: TcpSocket[], ip: string, port: number): boolean {
  return sockets.some(
    (s) => s.state === "listen" && s.localPort === port && (s.localIp === ip || wildcard.has(s.localIp)),
  );
}

/**
 * Established connections between containers, aggregated per (client, server, port). Each
 * connection shows up in both namespaces; it is counted once. The server side is the one with a
 * listening socket on the local port. Peers are found by IP (`ipOwner`); sockets to anything else
 * (the host, docker-proxy, the outside) and within one namespace are left out.
 */
export function liveEdges(namespaces: NamespaceSockets[], ipOwner: ReadonlyMap<string, string>): LiveEdge[] {
  const seen = new Set<string>();
  const edges = new Map<string, LiveEdge>();
  for (const ns of namespaces) {
    for (const s of ns.sockets) {
      if (s.state !== "established") continue;
      const peer = ipOwner.get(s.remoteIp);
      if (!peer || peer === ns.containerId) continue;
      const server = listens(ns.sockets, s.localIp, s.localPort);
      const conn = server
        ? {
            source: peer,
            target: ns.containerId,
            client: `${s.remoteIp}:${s.remotePort}`,
            server: `${s.localIp}:${s.localPort}`,
            port: s.localPort,
          }
        : {
            source: ns.containerId,
            target: peer,
            client: `${s.localIp}:${s.localPort}`,
            server: `${s.remoteIp}:${s.remotePort}`,
            port: s.remotePort,
          };
      const key = `${conn.client}>${conn.server}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const edgeKey = `${conn.source}>${conn.target}:${conn.port}`;
      const edge = edges.get(edgeKey) ?? {
        source: conn.source,
        target: conn.target,
        port: conn.port,
        connections: 0,
      };
      edge.connections++;
      edges.set(edgeKey, edge);
    }
  }
  return [...edges.values()].sort(
    (a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target) || a.port - b.port,
  );
}
