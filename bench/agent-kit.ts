/**
 * Shared by the agent benches: a PostgreSQL of their own when DATABASE_URL is unset, the console's
 * real server on a fresh database, the built agent bundle (`npm run build`) enrolled as a
 * `dftest-bench-` host and run with plain `node`, a byte-forwarding Docker socket that counts the
 * Engine requests going through it, and /proc readings of a process (RSS, CPU time).
 */

import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { type AgentProcess, startAgent } from "../apps/agent/src/testing/agent-process.ts";
import { mintEnrollmentToken } from "../apps/web/src/server/link/enrollment.ts";
import type { LinkRegistry } from "../apps/web/src/server/link/registry.ts";
import { hostLink } from "../apps/web/src/server/link/store.ts";
import { agentNodeArgs } from "../apps/web/src/server/onboarding/layout.ts";
import {
  startTestConsole,
  type TestConsole,
  type TestConsoleOptions,
} from "../apps/web/src/server/testing/console.ts";
import { startPostgres } from "../scripts/postgres.ts";

export const benchRun = randomBytes(3).toString("hex");
/** The bundle `npm run build` writes; BENCH_AGENT_BUNDLE measures another build (e.g. a trial fix) instead. */
export const builtAgentBundle =
  process.env.BENCH_AGENT_BUNDLE ?? fileURLToPath(new URL("../apps/agent/dist/agent.cjs", import.meta.url));

/** Which build the figures are of: the bundle's sha256 (12 hex digits) and when it was built. */
export function agentBundleVersion(): string {
  const digest = createHash("sha256").update(readFileSync(builtAgentBundle)).digest("hex").slice(0, 12);
  return `${digest} built ${statSync(builtAgentBundle).mtime.toISOString()}`;
}

export const mib = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1));
export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Wall-clock milliseconds with sub-millisecond resolution (what the benches' containers write too). */
export const nowMs = () => performance.timeOrigin + performance.now();

/** Polls until `probe` gives something truthy; no time limit. */
export async function until<T>(probe: () => Promise<T> | T, everyMs = 50): Promise<NonNullable<T>> {
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    await sleep(everyMs);
  }
}

export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Uses DATABASE_URL when set; otherwise starts a PostgreSQL of its own (scripts/postgres.ts) in a
 * temp data dir and sets DATABASE_URL for this process. The returned function stops and removes it.
 */
export async function benchDatabase(): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) return async () => undefined;
  const dataDir = await mkdtemp(join(tmpdir(), "dftest-bench-pg-"));
  const server = await startPostgres({ dataDir, port: await freePort() });
  process.env.DATABASE_URL = server.url;
  console.log(`(PostgreSQL of this bench on port ${server.port})`);
  return async () => {
    await server.stop();
    delete process.env.DATABASE_URL;
    await rm(dataDir, { recursive: true, force: true });
  };
}

export interface BenchFleet {
  console: TestConsole;
  link: LinkRegistry;
  stop(): Promise<void>;
}

/** The console's real HTTP server and agent link on a fresh database (and its own PostgreSQL if needed). */
export async function startBenchFleet(options: TestConsoleOptions = {}): Promise<BenchFleet> {
  const stopDatabase = await benchDatabase();
  try {
    const fleet = await startTestConsole(options);
    return {
      console: fleet,
      link: hostLink(fleet.db),
      async stop() {
        await fleet.stop();
        await stopDatabase();
      },
    };
  } catch (error) {
    await stopDatabase();
    throw error;
  }
}

export interface HeapReport {
  /** V8's heap as committed (what it adds to RSS) and as used by live and not yet collected objects. */
  committedMiB: number;
  usedMiB: number;
  /** committed / used MiB of each space with anything in it. */
  spaces: Record<string, string>;
  /** Memory V8 knows is held outside its heap (Buffers, ArrayBuffers). */
  externalMiB: number;
  mallocedMiB: number;
}

export interface BenchAgent {
  hostId: string;
  process: AgentProcess;
  pid: number;
  /** A Node diagnostic report of the agent (SIGUSR2): where its heap stands right now. */
  heapReport(): Promise<HeapReport>;
  stop(): Promise<void>;
}

/**
 * The Node flags the bench agents run with: the production ones (on the command line, as hosts
 * run the agent), or `BENCH_AGENT_NODE_FLAGS` instead, for trying out where its memory goes.
 */
export const benchAgentNodeArgs: readonly string[] =
  process.env.BENCH_AGENT_NODE_FLAGS?.split(" ").filter(Boolean) ?? agentNodeArgs;

/**
 * Enrolls a `dftest-bench-<what>` host and starts the built bundle for it, copied outside the
 * repository so it finds no node_modules, as hosts run it (with `benchAgentNodeArgs`). Resolves
 * once its link is up. The agent writes a diagnostic report on SIGUSR2 (nothing else changes).
 */
export async function startBenchAgent(
  fleet: BenchFleet,
  what: string,
  env: Record<string, string> = {},
): Promise<BenchAgent> {
  const dir = await mkdtemp(join(tmpdir(), "dftest-bench-agent-"));
  const bundle = join(dir, "agent.cjs");
  try {
    await copyFile(builtAgentBundle, bundle);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`no agent bundle at ${builtAgentBundle}: run \`npm run build\` first (${error})`);
  }
  const host = await fleet.console.db.host.create({ data: { name: `dftest-bench-${what}-${benchRun}` } });
  const { token } = await mintEnrollmentToken(fleet.console.db, host.id);
  const reports = join(dir, "reports");
  await mkdir(reports);
  const reportOptions = [
    "--report-on-signal",
    "--report-signal=SIGUSR2",
    "--report-compact",
    `--report-directory=${reports}`,
  ];
  const agent = startAgent(
    bundle,
    {
      NODE_OPTIONS: reportOptions.join(" "),
      DOCKFLEET_CONSOLE_URL: fleet.console.url,
      DOCKFLEET_STATE_DIR: join(dir, "state"),
      DOCKFLEET_ENROLL_TOKEN: token,
      ...env,
    },
    { nodeArgs: benchAgentNodeArgs },
  );
  const stop = async () => {
    await agent.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      until(() => fleet.link.isConnected(host.id)),
      agent.exited.then((code) => {
        throw new Error(`the agent exited (${code}) before connecting:\n${agent.output()}`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  const pid = agent.child.pid as number;
  const heapReport = async (): Promise<HeapReport> => {
    process.kill(pid, "SIGUSR2");
    const asked = Date.now();
    const file = await until(async () => {
      const found = (await readdir(reports)).find((f) => f.endsWith(".json"));
      if (!found && Date.now() - asked > 10_000) {
        throw new Error(`the agent wrote no diagnostic report:\n${agent.output().slice(-2000)}`);
      }
      return found;
    });
    // Written in one go, but give the writer a moment to finish.
    const text = await until(async () => {
      const content = await readFile(join(reports, file), "utf8");
      return content.trimEnd().endsWith("}") ? content : undefined;
    });
    await rm(join(reports, file)); // it lists the agent's environment
    const report = JSON.parse(text) as {
      javascriptHeap: {
        totalMemory: number;
        usedMemory: number;
        externalMemory: number;
        mallocedMemory: number;
        heapSpaces: Record<string, { memorySize: number; used: number }>;
      };
    };
    const heap = report.javascriptHeap;
    const spaces: Record<string, string> = {};
    for (const [name, space] of Object.entries(heap.heapSpaces)) {
      if (space.memorySize > 0) spaces[name] = `${mib(space.memorySize)}/${mib(space.used)}`;
    }
    return {
      committedMiB: mib(heap.totalMemory),
      usedMiB: mib(heap.usedMemory),
      spaces,
      externalMiB: mib(heap.externalMemory),
      mallocedMiB: mib(heap.mallocedMemory),
    };
  };
  return { hostId: host.id, process: agent, pid, heapReport, stop };
}

/** A bare `node -e "setInterval(()=>{},1e3)"`: what any long-running Node process costs. */
export function startBareNode(): { pid: number; stop(): Promise<void> } {
  const child = spawn(process.execPath, ["-e", "setInterval(()=>{},1e3)"], {
    stdio: "ignore",
    cwd: tmpdir(),
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface ProcMemory {
  rss: number;
  /** Anonymous pages: heaps, stacks, malloc arenas. */
  anon: number;
  /** File-backed pages: the node binary's text and the libraries, mapped from disk. */
  file: number;
  shmem: number;
  /** The RSS high-water mark since the process started (exec). */
  peak: number;
}

/** RSS of a process and its parts from /proc/<pid>/status, in bytes. */
/** Resets the process's RSS high-water mark (VmHWM), so that it says the peak of what follows. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

export function procMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) =>
    Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0) * 1024;
  return {
    rss: kib("VmRSS"),
    anon: kib("RssAnon"),
    file: kib("RssFile"),
    shmem: kib("RssShmem"),
    peak: kib("VmHWM"),
  };
}

const clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** User + system CPU time a process has used so far, in ms (clock-tick resolution, 10 ms here). */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ": state is field 3, utime 14, stime 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

export interface EngineRequest {
  at: number;
  method: string;
  path: string;
}

export interface CountingDockerSocket {
  /** For DOCKER_HOST. */
  url: string;
  requests: EngineRequest[];
  close(): Promise<void>;
}

/**
 * A Unix socket that forwards bytes both ways to the Engine's and notes the request line of every
 * HTTP request sent through it. Bodies are never parsed; for GETs (all the agent's reads) that is exact.
 */
export async function countingDockerSocket(engine = "/var/run/docker.sock"): Promise<CountingDockerSocket> {
  const dir = await mkdtemp(join(tmpdir(), "dftest-bench-sock-"));
  const path = join(dir, "docker.sock");
  const requests: EngineRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.createConnection(engine);
    sockets.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => {
      const at = Date.now();
      for (const match of chunk.toString("latin1").matchAll(/^([A-Z]+) (\S+) HTTP\/1\.[01]\r$/gm)) {
        requests.push({ at, method: match[1] as string, path: match[2] as string });
      }
    });
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    url: `unix://${path}`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Counts requests by kind: `stats` (per-container stats reads), `list`, and everything else. */
export function countRequests(requests: EngineRequest[], from: number, to = Number.POSITIVE_INFINITY) {
  const counts = { stats: 0, list: 0, other: 0, otherPaths: new Set<string>() };
  for (const request of requests) {
    if (request.at < from || request.at >= to) continue;
    const path = request.path.replace(/^\/v[\d.]+/, "").split("?")[0] as string;
    if (/^\/containers\/[^/]+\/stats$/.test(path)) counts.stats++;
    else if (path === "/containers/json") counts.list++;
    else {
      counts.other++;
      counts.otherPaths.add(`${request.method} ${path}`);
    }
  }
  return { ...counts, otherPaths: [...counts.otherPaths].sort() };
}
