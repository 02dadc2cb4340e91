/**
 * Log lines from a container to a console subscriber through the real agent (the built bundle) and
 * link, against `docker logs -f --timestamps` of the same container on the same host, one after the
 * other in the same run. The container (Node, the host's own binary mounted in) writes each line
 * with its wall-clock write time; latency = receive time − write time.
 *   paced: `BENCH_PACED_LINES` lines at `BENCH_PACED_RATE` lines/s: latency when nothing queues.
 *   burst: `BENCH_LINES` lines written as fast as the container can: lines/s, and latency with queueing.
 */
import { execFileSync, spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { followLogs } from "../apps/web/src/server/link/resume.ts";
import { connect } from "../packages/runtime/src/client.ts";
import { testImage } from "../packages/runtime/src/testing.ts";
import {
  agentBundleVersion,
  type BenchFleet,
  benchRun,
  nowMs,
  percentile,
  procCpuMs,
  round,
  startBenchAgent,
  startBenchFleet,
  until,
} from "./agent-kit.ts";
import { median, removeBenchContainers, writeResult } from "./runtime-kit.ts";

const burstLines = Number(process.env.BENCH_LINES ?? 200_000);
const pacedLines = Number(process.env.BENCH_PACED_LINES ?? 5_000);
const pacedRate = Number(process.env.BENCH_PACED_RATE ?? 1_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

// Each line: "<write time ms> <kind> <seq> <padding>", about 80 bytes. Kinds: hb (heartbeat, every
// 100 ms), p (paced), ep (end of paced), b (burst), eb (end of burst). SIGUSR2 starts a paced run,
// SIGUSR1 a burst. writeSync: the line is in the pipe when its time is taken.
const producer = `
const { writeSync } = require("node:fs");
const [burst, paced, rate] = process.argv.slice(2).map(Number);
const pad = "x".repeat(48);
let seq = 0;
function line(kind) {
  const text = (performance.timeOrigin + performance.now()).toFixed(3) + " " + kind + " " + ++seq + " " + pad + "\\n";
  for (;;) {
    try { writeSync(1, text); return; } catch (error) { if (error.code !== "EAGAIN") throw error; }
  }
}
setInterval(() => line("hb"), 100);
process.on("SIGUSR1", () => { for (let i = 0; i < burst; i++) line("b"); line("eb"); });
process.on("SIGUSR2", () => {
  let left = paced;
  const perTick = Math.max(1, Math.round(rate / 100));
  const tick = setInterval(() => {
    for (let i = 0; i < perTick && left > 0; i++, left--) line("p");
    if (left === 0) { clearInterval(tick); line("ep"); }
  }, 10);
});
process.on("SIGTERM", () => process.exit(0));
`;

/** Binds that let busybox run the host's node: the binary, and each shared library where ldd finds it. */
function nodeBinds(): string[] {
  const libraries = execFileSync("ldd", [process.execPath], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.match(/(\/\S+) \(0x/)?.[1])
    .filter((path): path is string => Boolean(path));
  return [
    `${realpathSync(process.execPath)}:/usr/local/bin/node:ro`,
    ...libraries.map((path) => `${realpathSync(path)}:${path}:ro`),
  ];
}

/** A line's text, the Engine's timestamp of it (RFC 3339, ns), and when we got it. */
type OnLine = (text: string, engineTime: string, receivedAt: number) => void;
interface Follower {
  /** CPU time so far of the process between the Engine and us: the agent, or the docker CLI. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** RFC 3339 with nanoseconds → ms since the epoch, keeping the sub-millisecond part. */
function engineMs(timestamp: string): number {
  const dot = timestamp.indexOf(".");
  if (dot === -1) return Date.parse(timestamp);
  const fraction = timestamp.slice(dot + 1).replace(/Z$/, "");
  return Date.parse(`${timestamp.slice(0, dot)}Z`) + Number(`0.${fraction}`) * 1000;
}

function throughAgent(
  fleet: BenchFleet,
  agentPid: number,
  hostId: string,
  containerId: string,
  onLine: OnLine,
): Follower {
  const abort = new AbortController();
  const done = (async () => {
    try {
      for await (const line of followLogs(
        fleet.link,
        hostId,
        { containerId, tail: 0, follow: true, stdout: true, stderr: true },
        { signal: abort.signal },
      )) {
        onLine(line.line, line.timestamp, nowMs());
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return {
    cpuMs: () => procCpuMs(agentPid),
    async stop() {
      abort.abort();
      await done;
    },
  };
}

function dockerLogs(containerId: string, onLine: OnLine): Follower {
  const child = spawn("docker", ["logs", "-f", "--timestamps", "--tail", "0", containerId], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const at = nowMs();
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    // "2026-11-23T08:00:00.123456789Z <text>": the text after Docker's timestamp.
    for (const line of lines) {
      const space = line.indexOf(" ");
      onLine(line.slice(space + 1), line.slice(0, space), at);
    }
  });
  const closed = new Promise((resolve) => child.once("close", resolve));
  return {
    cpuMs: () => procCpuMs(child.pid as number),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await closed;
    },
  };
}

interface Round {
  pacedP50: number;
  pacedP95: number;
  pacedMax: number;
  /** The part after the Engine stamped the line: what the reader adds. */
  pacedFromEngineP50: number;
  pacedFromEngineP95: number;
  burstLinesPerSec: number;
  burstP95: number;
  producerLinesPerSec: number;
  /** CPU µs per line during the burst: the agent (or docker CLI), and this process (console + consumer). */
  middleCpuUsPerLine: number;
  consumerCpuUsPerLine: number;
}

/** One follower through one paced run and one burst. */
async function measure(
  start: (onLine: OnLine) => Follower,
  signal: (name: "SIGUSR1" | "SIGUSR2") => Promise<unknown>,
): Promise<Round> {
  const paced: number[] = [];
  const pacedFromEngine: number[] = [];
  const burst = new Float64Array(burstLines);
  let heartbeats = 0;
  let burstCount = 0;
  let firstBurstWrite = 0;
  let lastBurstWrite = 0;
  let endOfBurst = 0;
  let endOfPaced = false;
  let cpuAtBurst = { middle: 0, consumer: 0 };
  let cpuAtEnd = { middle: 0, consumer: 0 };
  const consumerCpuMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const follower = start((text, engineTime, at) => {
    const [time, kind] = text.split(" ", 2);
    const written = Number(time);
    if (kind === "hb") heartbeats++;
    else if (kind === "p") {
      paced.push(at - written);
      pacedFromEngine.push(at - engineMs(engineTime));
    } else if (kind === "ep") endOfPaced = true;
    else if (kind === "b") {
      if (burstCount === 0) firstBurstWrite = written;
      burst[burstCount++] = at - written;
    } else if (kind === "eb") {
      lastBurstWrite = written;
      endOfBurst = at;
      cpuAtEnd = { middle: follower.cpuMs(), consumer: consumerCpuMs() };
    }
  });
  try {
    await until(() => heartbeats > 0, 10);
    await signal("SIGUSR2");
    await until(() => endOfPaced, 10);
    cpuAtBurst = { middle: follower.cpuMs(), consumer: consumerCpuMs() };
    await signal("SIGUSR1");
    await until(() => endOfBurst > 0, 10);
  } finally {
    await follower.stop();
  }
  if (paced.length !== pacedLines || burstCount !== burstLines) {
    throw new Error(
      `received ${paced.length}/${pacedLines} paced and ${burstCount}/${burstLines} burst lines`,
    );
  }
  return {
    pacedP50: percentile(paced, 50),
    pacedP95: percentile(paced, 95),
    pacedMax: Math.max(...paced),
    pacedFromEngineP50: percentile(pacedFromEngine, 50),
    pacedFromEngineP95: percentile(pacedFromEngine, 95),
    burstLinesPerSec: burstLines / ((endOfBurst - firstBurstWrite) / 1000),
    burstP95: percentile(burst, 95),
    producerLinesPerSec: burstLines / ((lastBurstWrite - firstBurstWrite) / 1000),
    middleCpuUsPerLine: ((cpuAtEnd.middle - cpuAtBurst.middle) * 1000) / burstLines,
    consumerCpuUsPerLine: ((cpuAtEnd.consumer - cpuAtBurst.consumer) * 1000) / burstLines,
  };
}

const client = await connect();
const fleet = await startBenchFleet();
const dir = await mkdtemp(join(tmpdir(), "dftest-bench-logs-"));
let agent: Awaited<ReturnType<typeof startBenchAgent>> | undefined;
const ids: string[] = [];
try {
  await writeFile(join(dir, "producer.js"), producer);
  const container = await client.docker.createContainer({
    name: `dftest-bench-${benchRun}-logs`,
    Image: testImage,
    Cmd: [
      "/usr/local/bin/node",
      "/bench/producer.js",
      String(burstLines),
      String(pacedLines),
      String(pacedRate),
    ],
    Labels: { "dockfleet.bench": benchRun },
    HostConfig: { Binds: [`${dir}:/bench:ro`, ...nodeBinds()] },
  });
  ids.push(container.id);
  await container.start();
  agent = await startBenchAgent(fleet, "logs");
  const { hostId, pid: agentPid } = agent;
  const signal = (name: "SIGUSR1" | "SIGUSR2") => container.kill({ signal: name });

  const ours: Round[] = [];
  const cli: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate who goes first: the container's log file grows as the run goes on.
    const order = r % 2 === 0 ? ["agent", "cli"] : ["cli", "agent"];
    for (const who of order) {
      const result =
        who === "agent"
          ? await measure((onLine) => throughAgent(fleet, agentPid, hostId, container.id, onLine), signal)
          : await measure((onLine) => dockerLogs(container.id, onLine), signal);
      (who === "agent" ? ours : cli).push(result);
      console.log(
        `round ${r + 1} ${who === "agent" ? "agent+link " : "docker logs"}: burst ${Math.round(result.burstLinesPerSec)} lines/s ` +
          `(producer ${Math.round(result.producerLinesPerSec)}), burst p95 ${round(result.burstP95)} ms; ` +
          `paced p50 ${round(result.pacedP50, 2)} ms, p95 ${round(result.pacedP95, 2)} ms, max ${round(result.pacedMax, 1)} ms ` +
          `(from the Engine's stamp: p50 ${round(result.pacedFromEngineP50, 2)}, p95 ${round(result.pacedFromEngineP95, 2)} ms); ` +
          `burst CPU per line: ${who === "agent" ? "agent" : "docker CLI"} ${round(result.middleCpuUsPerLine, 2)} µs, ` +
          `this process ${round(result.consumerCpuUsPerLine, 2)} µs`,
      );
    }
  }
  const med = (rows: Round[], key: keyof Round) => median(rows.map((row) => row[key]));
  const figures = (rows: Round[]) => ({
    linesPerSec: Math.round(med(rows, "burstLinesPerSec")),
    burstP95Ms: round(med(rows, "burstP95")),
    pacedP50Ms: round(med(rows, "pacedP50"), 2),
    pacedP95Ms: round(med(rows, "pacedP95"), 2),
    pacedMaxMs: round(med(rows, "pacedMax"), 1),
    pacedFromEngineP50Ms: round(med(rows, "pacedFromEngineP50"), 2),
    pacedFromEngineP95Ms: round(med(rows, "pacedFromEngineP95"), 2),
    middleCpuUsPerLine: round(med(rows, "middleCpuUsPerLine"), 2),
    consumerCpuUsPerLine: round(med(rows, "consumerCpuUsPerLine"), 2),
  });
  const a = figures(ours);
  const b = figures(cli);
  await writeResult("agent-logs", {
    run: benchRun,
    agentBundle: agentBundleVersion(),
    burstLines,
    pacedLines,
    pacedRate,
    rounds,
    producerLinesPerSec: Math.round(median([...ours, ...cli].map((row) => row.producerLinesPerSec))),
    agent: a,
    dockerLogs: b,
    throughputRatio: round(a.linesPerSec / b.linesPerSec, 2),
    pacedP95Ratio: round(a.pacedP95Ms / b.pacedP95Ms, 2),
    pacedP95DiffMs: round(a.pacedP95Ms - b.pacedP95Ms, 2),
  });
  console.log(
    `burst of ${burstLines} lines: agent+link ${a.linesPerSec} lines/s vs docker logs -f ${b.linesPerSec} lines/s ` +
      `(${round(a.linesPerSec / b.linesPerSec, 2)}×), burst p95 ${a.burstP95Ms} vs ${b.burstP95Ms} ms; ` +
      `paced ${pacedRate} lines/s: p95 ${a.pacedP95Ms} vs ${b.pacedP95Ms} ms (${round(a.pacedP95Ms / b.pacedP95Ms, 2)}×)`,
  );
} finally {
  await agent?.stop();
  await removeBenchContainers(client, ids);
  await rm(dir, { recursive: true, force: true });
  await fleet.stop();
}
