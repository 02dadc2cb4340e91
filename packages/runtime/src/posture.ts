/**
 * Security posture of one host: findings per container (privileged, root, Docker socket, host
 * namespaces, capabilities, limits, writable root, floating image, restart policy) and for the
 * daemon (TCP without TLS). The rules are pure (posture-rules.ts); this file gathers the facts.
 */
import { readdir, readFile, readlink } from "node:fs/promises";

import { join } from "node:path";
import { z } from "zod";
import type { DockerClient } from "./client.ts";
import { engineCall } from "./errors.ts";
import {
  type ContainerFacts,
  containerFindings,
  type DaemonFacts,
  dockerdListenFacts,
  Finding,
  hostFindings,
  type ListenFacts,
} from "./posture-rules.ts";
import { mapBounded } from "./stats/pool.ts";

export { containerFindings, dockerdListenFacts, Finding, hostFindings, Severity } from "./posture-rules.ts";

export const ContainerPosture = z.object({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  findings: z.array(Finding),
});
export type ContainerPosture = z.infer<typeof ContainerPosture>;

export const HostPosture = z.object({
  collectedAt: z.string(),
  /** Findings about the daemon itself. */
  host: z.array(Finding),
  containers: z.array(ContainerPosture),
  counts: z.object({ high: z.number(), medium: z.number(), low: z.number() }),
  /** How the daemon listens, when this process could read its command line; else only the endpoint was judged. */
  daemonListen: z.object({ known: z.boolean(), hosts: z.array(z.string()), tlsVerify: z.boolean() }),
});
export type HostPosture = z.infer<typeof HostPosture>;

async function daemonFacts(client: DockerClient): Promise<DaemonFacts> {
  const info = await engineCall("read daemon info", () => client.docker.info());
  return { securityOptions: (info as { SecurityOptions?: string[] }).SecurityOptions ?? [] };
}

function toPosture(
  c: ContainerFacts & { Id: string; State: { Status: string } },
  daemon: DaemonFacts,
): ContainerPosture {
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ""),
    state: c.State.Status,
    findings: containerFindings(c, daemon),
  };
}

/** Findings for one container; `not_found` when there is none. */
export async function containerPosture(client: DockerClient, container: string): Promise<ContainerPosture> {
  const [inspected, daemon] = await Promise.all([
    engineCall(`inspect container "${container}"`, () => client.docker.getContainer(container).inspect()),
    daemonFacts(client),
  ]);
  return toPosture(inspected as never, daemon);
}

async function argvOf(procRoot: string, pid: string): Promise<string[] | undefined> {
  const comm = await readFile(join(procRoot, pid, "comm"), "utf8").catch(() => "");
  if (comm.trim() !== "dockerd") return undefined;
  const cmdline = await readFile(join(procRoot, pid, "cmdline"), "utf8").catch(() => "");
  return cmdline.split("\0").filter(Boolean);
}

function configFileOf(argv: string[]): string {
  const at = argv.indexOf("--config-file");
  if (at >= 0 && argv[at + 1]) return argv[at + 1] as string;
  return argv.find((a) => a.startsWith("--config-file="))?.slice(14) ?? "/etc/docker/daemon.json";
}

/**
 * The listening facts
 of the dockerd behind our socket, read from the host's /proc and its
 * daemon.json. With several daemons (lab hosts) the one naming our socket is used, and a daemon
 * without -H when our socket is the default one. Unknown when none matches.
 */
async function localDaemonListen(procRoot: string, socketPath: string) {
  const pids = (await readdir(procRoot).catch(() => [] as string[])).filter((p) => /^\d+$/.test(p));
  const found = await Promise.all(pids.map(async (pid) => ({ pid, argv: await argvOf(procRoot, pid) })));
  // A daemon in another mount namespace (a lab host) sees another /var/run: prefer those sharing ours.
  const ownMnt = await readlink(join(procRoot, "self", "ns", "mnt")).catch(() => undefined);
  const mnt = await Promise.all(
    found.map((d) => readlink(join(procRoot, d.pid, "ns", "mnt")).catch(() => undefined)),
  );
  const candidates = found.filter((d, i) => d.argv && (!ownMnt || !mnt[i] || mnt[i] === ownMnt));
  const daemons = candidates.map((d) => d.argv as string[]);
  const isDefault = socketPath === "/var/run/docker.sock" || socketPath === "/run/docker.sock";
  for (const argv of daemons) {
    const json = await readFile(configFileOf(argv), "utf8")
      .then((t) => JSON.parse(t) as Record<string, unknown>)
      .catch(() => ({}));
    const facts = dockerdListenFacts(argv.slice(1), json);
    const unix = facts.hosts
      .filter((h) => h.startsWith("unix://"))
      .map((h) => h.slice(7) || "/var/run/docker.sock");
    if (unix.includes(socketPath) || (unix.length === 0 && isDefault)) return { known: true, ...facts };
  }
  return { known: false, hosts: [] as string[], tlsVerify: false };
}

/** Posture of every container on the host (running or not) and of the daemon. */
export async function hostPosture(
  client: DockerClient,
  options: { procRoot?: string } = {},
): Promise<HostPosture> {
  const list = await engineCall("list containers", () => client.docker.listContainers({ all: true }));
  const [daemon, inspected] = await Promise.all([
    daemonFacts(client),
    mapBounded(list, 16, (c) => client.docker.getContainer(c.Id).inspect()),
  ]);
  const containers = inspected
    .flatMap((r) => (r.status === "fulfilled" ? [toPosture(r.value as never, daemon)] : []))
    .sort((a, b) => a.name.localeCompare(b.name));
  const endpoint = client.endpoint;
  const listen =
    endpoint.kind === "socket"
      ? await localDaemonListen(options.procRoot ?? "/proc", endpoint.socketPath)
      : { known: false, hosts: [], tlsVerify: false };
  const facts: ListenFacts = {
    endpoint:
      endpoint.kind === "socket"
        ? { kind: "socket" }
        : { kind: "tcp", host: endpoint.host, port: endpoint.port, tls: endpoint.tls !== undefined },
    daemonHosts: listen.hosts,
    daemonTlsVerify: listen.tlsVerify,
  };
  const host = hostFindings(facts);
  const all = [...host, ...containers.flatMap((c) => c.findings)];
  const counts = {
    high: all.filter((f) => f.severity === "high").length,
    medium: all.filter((f) => f.severity === "medium").length,
    low: all.filter((f) => f.severity === "low").length,
  };
  return { collectedAt: new Date().toISOString(), host, containers, counts, daemonListen: listen };
}
