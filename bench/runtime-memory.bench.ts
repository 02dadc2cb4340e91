/**
 * The runtime's memory while following the logs (merged, live) and stats (a sweep a second) of 50
 * busy containers: RSS and heap against the same process just before it started following.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { connect } from "../packages/runtime/src/client.ts";
import { mergedLogs } from "../packages/runtime/src/logs.ts";
import { StatsSampler } from "../packages/runtime/src/stats.ts";
import { removeBenchContainers, startBenchContainers, writeResult } from "./runtime-kit.ts";

const containers = Number(process.env.BENCH_CONTAINERS ?? 50);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const mib = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1));

// A settled heap makes the baseline and the figures comparable.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function memory(): { rss: number; heap: number } {
  gc();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed };
}

const client = await connect();
const script =
  'i=0; while true; do echo "line $i from a busy container with some text"; i=$((i+1)); sleep 0.05; done';
const ids = await startBenchContainers(client, containers, script);
const abort = new AbortController();
try {
  await sleep(1000);
  const baseline = memory();
  let lines = 0;
  let sweeps = 0;
  const following = (async () => {
    for await (const _ of mergedLogs(client, ids, { follow: true, tail: 10 }, abort.signal)) lines++;
  })();
  const sampling = (async () => {
    for await (const _ of new StatsSampler(client).watch(1000, abort.signal)) sweeps++;
  })();
  const samples: { rss: number; heap: number }[] = [];
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    samples.push(memory());
  }
  abort.abort();
  await Promise.all([following, sampling]);
  const peakRss = Math.max(...samples.map((m) => m.rss));
  const peakHeap = Math.max(...samples.map((m) => m.heap));
  const last = samples.at(-1) ?? baseline;
  await writeResult("runtime-memory", {
    containers,
    seconds,
    lines,
    sweeps,
    baselineRssMiB: mib(baseline.rss),
    peakRssMiB: mib(peakRss),
    endRssMiB: mib(last.rss),
    rssDeltaMiB: mib(peakRss - baseline.rss),
    baselineHeapMiB: mib(baseline.heap),
    peakHeapMiB: mib(peakHeap),
    heapDeltaMiB: mib(peakHeap - baseline.heap),
    rssRatio: Number((peakRss / baseline.rss).toFixed(2)),
    rssPerContainerKiB: Math.round((peakRss - baseline.rss) / 1024 / containers),
  });
  console.log(
    `following logs+stats of ${containers} containers for ${seconds}s (${lines} lines, ${sweeps} sweeps): ` +
      `RSS ${mib(baseline.rss)} → peak ${mib(peakRss)} MiB (${(peakRss / baseline.rss).toFixed(2)}× baseline), ` +
      `heap ${mib(baseline.heap)} → peak ${mib(peakHeap)} MiB`,
  );
} finally {
  abort.abort();
  await removeBenchContainers(client, ids);
}
