/**
 * The agent's memory, as hosts run it (the built bundle under plain `node`, connected to a real
 * console): RSS while idle (nobody watching) and while a console subscriber follows stats of 50
 * running containers every 2 s, against a bare `node -e "setInterval(()=>{},1e3)"` measured in the
 * same run. Also: an idle agent must not sample stats, checked by its CPU time and by counting the
 * Engine requests it sends (its DOCKER_HOST is a counting pass-through socket).
 */

import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "../packages/runtime/src/client.ts";
import {
  agentBundleVersion,
  benchAgentNodeArgs,
  benchRun,
  countingDockerSocket,
  countRequests,
  mib,
  type ProcMemory,
  procCpuMs,
  procMemory,
  round,
  startBareNode,
  startBenchAgent,
  startBenchFleet,
  until,
} from "./agent-kit.ts";
import { median, removeBenchContainers, startBenchContainers, writeResult } from "./runtime-kit.ts";

const containers = Number(process.env.BENCH_CONTAINERS ?? 50);
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const streamSeconds = Number(process.env.BENCH_SECONDS ?? 60);
const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? 2000);
/** The issue's target: the agent within +40 MB of a bare Node process. */
const targetBytes = 40e6;

interface Sample {
  agent: ProcMemory;
  bare: ProcMemory;
}

const summary = (samples: Sample[], who: "agent" | "bare", field: keyof ProcMemory = "rss") => {
  const values = samples.map((s) => s[who][field]);
  return { median: median(values), peak: Math.max(...values) };
};

async function sampleFor(seconds: number, agentPid: number, barePid: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    samples.push({ agent: procMemory(agentPid), bare: procMemory(barePid) });
  }
  return samples;
}

const client = await connect();
const fleet = await startBenchFleet();
const engine = await countingDockerSocket();
const bare = startBareNode();
let ids: string[] = [];
let agent: Awaited<ReturnType<typeof startBenchAgent>> | undefined;
const following = new AbortController();
try {
  ids = await startBenchContainers(client, containers, "trap 'exit 0' TERM; while true; do sleep 1; done");
  const running = (await client.docker.listContainers({ filters: { status: ["running"] } })).length;
  agent = await startBenchAgent(fleet, "memory", { DOCKER_HOST: engine.url });
  const pid = agent.pid;
  await sleep(5000); // past the hello and its facts

  // Idle: connected, nobody watching.
  const idleFrom = Date.now();
  const idleCpu0 = procCpuMs(pid);
  const bareCpu0 = procCpuMs(bare.pid);
  const idle = await sampleFor(idleSeconds, pid, bare.pid);
  const idleCpuMs = procCpuMs(pid) - idleCpu0;
  const bareIdleCpuMs = procCpuMs(bare.pid) - bareCpu0;
  const idleRequests = countRequests(engine.requests, idleFrom, Date.now());
  const idleHeap = await agent.heapReport();

  // Streaming: one console subscriber follows stats of the bench containers.
  let sweeps = 0;
  let samplesSeen = 0;
  let dropped = 0;
  const stream = fleet.link.stream(
    agent.hostId,
    "stats.follow",
    { intervalMs, containerIds: ids },
    { signal: following.signal },
  );
  const reading = (async () => {
    try {
      for await (const chunk of stream) {
        dropped += chunk.dropped;
        for (const sweep of chunk.items) {
          sweeps++;
          samplesSeen += sweep.samples.length;
        }
      }
    } catch (error) {
      if (!following.signal.aborted) throw error;
    }
  })();
  await until(() => sweeps > 0);
  const streamFrom = Date.now();
  const sweepsAtStart = sweeps;
  const streamCpu0 = procCpuMs(pid);
  const streaming = await sampleFor(streamSeconds, pid, bare.pid);
  const streamCpuMs = procCpuMs(pid) - streamCpu0;
  const streamRequests = countRequests(engine.requests, streamFrom, Date.now());
  const streamedSweeps = sweeps - sweepsAtStart;
  const streamHeap = await agent.heapReport();
  const runningAtEnd = (await client.docker.listContainers({ filters: { status: ["running"] } })).length;
  following.abort();
  stream.cancel();
  await reading;

  const all = [...idle, ...streaming];
  const bareRss = summary(all, "bare").median;
  const idleRss = summary(idle, "agent").median;
  const streamRss = summary(streaming, "agent");
  const part = (samples: Sample[], who: "agent" | "bare") => ({
    anonMiB: mib(summary(samples, who, "anon").median),
    fileMiB: mib(summary(samples, who, "file").median),
  });
  const result = {
    run: benchRun,
    agentBundle: agentBundleVersion(),
    containers,
    runningOnHost: [running, runningAtEnd],
    agentNodeFlags: benchAgentNodeArgs.join(" "),
    idleSeconds,
    streamSeconds,
    intervalMs,
    bareRssMiB: mib(bareRss),
    bare: part(all, "bare"),
    idleRssMiB: mib(idleRss),
    idle: part(idle, "agent"),
    idleHeap,
    idleDeltaMiB: mib(idleRss - bareRss),
    idleRatio: round(idleRss / bareRss, 2),
    streamRssMedianMiB: mib(streamRss.median),
    streamRssPeakMiB: mib(streamRss.peak),
    streaming: part(streaming, "agent"),
    streamHeap,
    streamDeltaMiB: mib(streamRss.peak - bareRss),
    streamRatio: round(streamRss.peak / bareRss, 2),
    rssHighWaterMiB: mib(procMemory(pid).peak),
    withinTarget: streamRss.peak - bareRss <= targetBytes && idleRss - bareRss <= targetBytes,
    idleCpuMs: Math.round(idleCpuMs),
    bareIdleCpuMs: Math.round(bareIdleCpuMs),
    idleStatsRequests: idleRequests.stats,
    idleListRequests: idleRequests.list,
    idleOtherRequests: idleRequests.otherPaths,
    streamCpuMsPer30s: Math.round((streamCpuMs * 30) / streamSeconds),
    sweeps: streamedSweeps,
    samplesPerSweep: round(samplesSeen / Math.max(1, sweeps), 1),
    statsReadsPerSweep: round(streamRequests.stats / Math.max(1, streamedSweeps), 1),
    dropped,
  };
  await writeResult("agent-memory", result);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  console.log(
    `bare node RSS ${mib(bareRss)} MiB; agent idle ${mib(idleRss)} MiB (${result.idleRatio}×, +${mb(idleRss - bareRss)}), ` +
      `streaming stats of ${containers} containers every ${intervalMs / 1000} s: peak ${mib(streamRss.peak)} MiB ` +
      `(${result.streamRatio}×, +${mb(streamRss.peak - bareRss)}); target +40 MB: ${result.withinTarget ? "met" : "MISSED"}`,
  );
  const heapLine = (heap: typeof idleHeap) =>
    `V8 heap ${heap.committedMiB} MiB committed / ${heap.usedMiB} MiB used (${Object.entries(heap.spaces)
      .map(([name, value]) => `${name.replace("_space", "")} ${value}`)
      .join(", ")}), external ${heap.externalMiB} MiB`;
  console.log(
    `agent anon/file RSS: idle ${result.idle.anonMiB}/${result.idle.fileMiB} MiB, streaming ${result.streaming.anonMiB}/${result.streaming.fileMiB} MiB; ` +
      `bare node ${result.bare.anonMiB}/${result.bare.fileMiB} MiB`,
  );
  console.log(`idle:      ${heapLine(idleHeap)}`);
  console.log(
    `streaming: ${heapLine(streamHeap)}; RSS high-water mark since start ${result.rssHighWaterMiB} MiB`,
  );
  console.log(
    `idle ${idleSeconds} s: agent CPU ${Math.round(idleCpuMs)} ms (bare node ${Math.round(bareIdleCpuMs)} ms), ` +
      `${idleRequests.stats} stats reads, ${idleRequests.list} container lists, other Engine requests: ${idleRequests.otherPaths.join(", ") || "none"}; ` +
      `streaming: ${result.streamCpuMsPer30s} ms CPU per 30 s, ${result.statsReadsPerSweep} stats reads per sweep ` +
      `(${running} → ${runningAtEnd} containers running on the host)`,
  );
} finally {
  following.abort();
  await agent?.stop();
  await bare.stop();
  await engine.close();
  await removeBenchContainers(client, ids);
  await fleet.stop();
}
