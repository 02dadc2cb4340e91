/**
 * Shared by the runtime benches: `dftest-bench-` containers, timing, result lines. Bench containers
 * carry only their own run label, not the test label, so a test suite's cleanup running meanwhile
 * cannot remove them mid-measurement.
 */
import { randomBytes } from "node:crypto";
import { appendFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DockerClient } from "../packages/runtime/src/client.ts";
import { mapBounded } from "../packages/runtime/src/stats/pool.ts";
import { testImage } from "../packages/runtime/src/testing.ts";

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "results");
const benchLabel = "dockfleet.bench";

/** Starts `count` busybox containers running `sh -c script`; all removed by `removeBenchContainers`. */
export async function startBenchContainers(
  client: DockerClient,
  count: number,
  script: string,
): Promise<string[]> {
  const run = randomBytes(3).toString("hex");
  const started = await mapBounded(
    Array.from({ length: count }, (_, i) => i),
    8,
    async (i) => {
      const container = await client.docker.createContainer({
        name: `dftest-bench-${run}-${i}`,
        Image: testImage,
        Cmd: ["sh", "-c", script],
        Labels: { [benchLabel]: run },
      });
      await container.start();
      return container.id;
    },
  );
  const failed = started.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return started.map((r) => (r as PromiseFulfilledResult<string>).value);
}

export async function removeBenchContainers(client: DockerClient, ids: string[]): Promise<void> {
  await mapBounded(ids, 8, (id) => client.docker.getContainer(id).remove({ force: true, v: true }));
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Appends one JSON line to bench/results/<name>.jsonl (gitignored) and prints it. */
export async function writeResult(name: string, result: Record<string, unknown>): Promise<void> {
  const line = JSON.stringify({ bench: name, at: new Date().toISOString(), ...result });
  await mkdir(resultsDir, { recursive: true });
  await appendFile(join(resultsDir, `${name}.jsonl`), `${line}\n`);
  console.log(line);
}
