/**
 * Stats of 50 running containers: one sweep of our StatsSampler (steady state, CPU % from the
 * previous sweep) against `docker stats --no-stream` over the same host, wall time, same run.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { connect } from "../packages/runtime/src/client.ts";
import { StatsSampler } from "../packages/runtime/src/stats.ts";
import { median, removeBenchContainers, startBenchContainers, timed, writeResult } from "./runtime-kit.ts";

const run = promisify(execFile);
const containers = Number(process.env.BENCH_CONTAINERS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

const client = await connect();
const ids = await startBenchContainers(client, containers, "sleep 3600");
try {
  const sampler = new StatsSampler(client);
  await sampler.sweep(); // the first sweep only primes CPU counters
  const ours: number[] = [];
  const cli: number[] = [];
  let sampled = 0;
  for (let round = 0; round < rounds; round++) {
    const sweep = await timed(() => sampler.sweep());
    ours.push(sweep.ms);
    sampled = sweep.value.samples.length;
    cli.push((await timed(() => run("docker", ["stats", "--no-stream", "--format", "{{json .}}"]))).ms);
  }
  const oursMs = median(ours);
  const cliMs = median(cli);
  await writeResult("stats", {
    containers: sampled,
    rounds,
    oursMs: Math.round(oursMs),
    dockerStatsMs: Math.round(cliMs),
    speedup: Number((cliMs / oursMs).toFixed(2)),
  });
  console.log(
    `stats of ${sampled} containers: ours ${oursMs.toFixed(0)} ms, docker stats ${cliMs.toFixed(0)} ms → ${(cliMs / oursMs).toFixed(2)}× faster`,
  );
} finally {
  await removeBenchContainers(client, ids);
}
