/**
 * Reading containers' TCP sockets from the host's /proc. The runtime runs on its host as root,
 * so /proc/<pid>/net/tcp of a container's main process shows that container's network namespace.
 */
import { readFile, readlink } from "node:fs/promises";
import { endianness } from "node:os";
import { join } from "node:path";
import { parseProcNetTcp, type TcpSocket } from "./proc-net-tcp.ts";

export interface RunningContainer {
  id: string;
  pid: number;
  /** `container:<id>` when it borrows another container's namespace. */
  networkMode: string;
}

export interface NamespaceRead {
  containerId: string;
  sockets: TcpSocket[];
}

export interface ProcReadResult {
  available: boolean;
  reason: string | null;
  namespaces: NamespaceRead[];
  /** Containers whose sockets were not read, and why. */
  skipped: Array<{ containerId: string; reason: string }>;
}

async function readOptional(path: string): Promise<string> {
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return ""; // no IPv6 in this kernel or namespace
    throw error;
  });
}

/**
 * A PID from the Engine means a process here only if both share a PID namespace; the container's
 * id in that process's cgroup path (cgroup v1 `/docker/<id>`, v2 `docker-<id>.scope`) proves it.
 */
async function belongsTo(procRoot: string, pid: number, containerId: string): Promise<boolean> {
  const cgroup = await readFile(join(procRoot, String(pid), "cgroup"), "utf8").catch(() => "");
  return cgroup.includes(containerId);
}

async function readNamespace(procRoot: string, pid: number): Promise<TcpSocket[]> {
  const order = endianness();
  const [v4, v6] = await Promise.all([
    readOptional(join(procRoot, String(pid), "net", "tcp")),
    readOptional(join(procRoot, String(pid), "net", "tcp6")),
  ]);
  return [...parseProcNetTcp(v4, order), ...parseProcNetTcp(v6, order)];
}

/** Groups containers by network namespace; the namespace's owner is the one not borrowing it. */
async function namespacesOf(
  procRoot: string,
  containers: RunningContainer[],
  skipped: ProcReadResult["skipped"],
) {
  const own = await readlink(join(procRoot, "self", "ns", "net"));
  const byNs = new Map<string, RunningContainer[]>();
  for (const c of containers) {
    if (!(await belongsTo(procRoot, c.pid, c.id))) {
      skipped.push({
        containerId: c.id,
        reason: `PID ${c.pid} is not this container here (another PID namespace?)`,
      });
      continue;
    }
    const ns = await readlink(join(procRoot, String(c.pid), "ns", "net")).catch(() => undefined);
    if (!ns) skipped.push({ containerId: c.id, reason: "its network namespace is not readable" });
    else if (ns === own)
      skipped.push({ containerId: c.id, reason: "it shares the host's network namespace" });
    else byNs.set(ns, [...(byNs.get(ns) ?? []), c]);
  }
  return [...byNs.values()].map(
    (members) => members.find((m) => !m.networkMode.startsWith("container:")) ?? members[0],
  );
}

/** Reads the TCP sockets of each distinct container network namespace. Never throws. */
export async function readContainerSockets(
  procRoot: string,
  containers: RunningContainer[],
): Promise<ProcReadResult> {
  const skipped: ProcReadResult["skipped"] = [];
  let owners: Array<RunningContainer | undefined>;
  try {
    owners = await namespacesOf(procRoot, containers, skipped);
  } catch (error) {
    const reason = `${procRoot} is not readable here (${(error as Error).message})`;
    return { available: false, reason, namespaces: [], skipped: [] };
  }
  const namespaces: NamespaceRead[] = [];
  for (const owner of owners) {
    if (!owner) continue;
    try {
      namespaces.push({ containerId: owner.id, sockets: await readNamespace(procRoot, owner.pid) });
    } catch (error) {
      // It exited meanwhile, or we lack the right to read it.
      skipped.push({ containerId: owner.id, reason: (error as Error).message });
    }
  }
  return { available: true, reason: null, namespaces, skipped };
}
