/**
 * The agent's memory while the console reads a large file out of a container through the link
 * (`container.files.read`, a stream of tar pieces): the agent's RSS idle, and its peak (the
 * kernel's high-water mark, reset before each read) while a console takes the chunks as fast as
 * they come and while a slow one waits between chunks; the read's time against `docker cp` of the
 * same file, measured in the same run. Every read is checked whole against the stream's sha256.
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "../packages/runtime/src/client.ts";
import { execRun } from "../packages/runtime/src/exec.ts";
import {
  agentBundleVersion,
  benchRun,
  mib,
  procMemory,
  resetPeak,
  round,
  startBenchAgent,
  startBenchFleet,
} from "./agent-kit.ts";
import { median, removeBenchContainers, startBenchContainers, timed, writeResult } from "./runtime-kit.ts";

const fileMiB = Number(process.env.BENCH_FILE_MIB ?? 64);
/** How long the slow console waits after each chunk. */
const slowChunkMs = Number(process.env.BENCH_SLOW_CHUNK_MS ?? 100);
const path = "/bench/random";

/** `docker cp` of the path to nowhere: the Engine's own speed for the same archive. */
function dockerCp(containerId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", ["cp", `${containerId}:${path}`, "-"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let errors = "";
    child.stderr.on("data", (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`docker cp: ${errors}`))));
  });
}

const client = await connect();
const fleet = await startBenchFleet();
let ids: string[] = [];
let agent: Awaited<ReturnType<typeof startBenchAgent>> | undefined;
try {
  ids = await startBenchContainers(client, 1, "trap 'exit 0' TERM; while true; do sleep 1; done");
  const containerId = ids[0] as string;
  const made = await execRun(client, containerId, {
    cmd: ["sh", "-c", `mkdir -p /bench && dd if=/dev/urandom of=${path} bs=1M count=${fileMiB} 2>&1`],
  });
  if (made.exitCode !== 0) throw new Error(`could not write the file: ${made.stdout}${made.stderr}`);
  agent = await startBenchAgent(fleet, "file-read");
  const { hostId, pid } = agent;
  await sleep(5000); // past the hello and its facts

  const idle: number[] = [];
  for (let s = 0; s < 5; s++) {
    idle.push(procMemory(pid).rss);
    await sleep(1000);
  }
  const idleRss = median(idle);

  /** One read through the link, hashed as it comes; the agent's peak RSS meanwhile. */
  const read = async (pauseMs: number) => {
    resetPeak(pid);
    const hash = createHash("sha256");
    let bytes = 0;
    let chunks = 0;
    const { ms, value: result } = await timed(async () => {
      const stream = fleet.link.stream(hostId, "container.files.read", { containerId, path });
      for await (const chunk of stream) {
        chunks += 1;
        for (const item of chunk.items) {
          const piece = item.data;
          hash.update(piece);
          bytes += piece.byteLength;
        }
        if (pauseMs > 0) await sleep(pauseMs);
      }
      return stream.result;
    });
    if (result.bytes !== bytes || result.sha256 !== hash.digest("hex"))
      throw new Error(`the archive did not arrive whole: ${bytes} bytes, the agent sent ${result.bytes}`);
    return { ms, bytes, chunks, peak: procMemory(pid).peak };
  };

  const cp = await timed(() => dockerCp(containerId));
  const fast = await read(0);
  const slow = await read(slowChunkMs);
  const delta = (peak: number) => round((peak - idleRss) / 1e6);
  const result = {
    run: benchRun,
    agentBundle: agentBundleVersion(),
    fileMiB,
    tarBytes: fast.bytes,
    idleRssMiB: mib(idleRss),
    fastPeakMiB: mib(fast.peak),
    fastDeltaMB: delta(fast.peak),
    fastChunks: fast.chunks,
    fastMs: Math.round(fast.ms),
    slowChunkMs,
    slowPeakMiB: mib(slow.peak),
    slowDeltaMB: delta(slow.peak),
    slowMs: Math.round(slow.ms),
    dockerCpMs: Math.round(cp.ms),
    fastVsDockerCp: round(fast.ms / cp.ms, 2),
  };
  await writeResult("agent-file-read", result);
  console.log(
    `agent RSS idle ${result.idleRssMiB} MiB; reading ${fileMiB} MiB through the link: peak ${result.fastPeakMiB} MiB ` +
      `(+${result.fastDeltaMB} MB) in ${result.fastMs} ms (${result.fastVsDockerCp}× docker cp's ${result.dockerCpMs} ms); ` +
      `a console waiting ${slowChunkMs} ms per chunk: peak ${result.slowPeakMiB} MiB (+${result.slowDeltaMB} MB) in ${result.slowMs} ms`,
  );
} finally {
  await agent?.stop();
  await removeBenchContainers(client, ids);
  await fleet.stop();
}
