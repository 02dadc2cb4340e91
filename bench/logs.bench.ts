/**
 * Reading a 200k-line log: lines/s of our reader (demultiplexed, timestamped, parsed lines) against
 * `docker logs --timestamps` of the same container piped to us, in the same run.
 */
import { spawn } from "node:child_process";
import { connect } from "../packages/runtime/src/client.ts";
import { containerLogs } from "../packages/runtime/src/logs.ts";
import { median, removeBenchContainers, startBenchContainers, timed, writeResult } from "./runtime-kit.ts";

const lines = Number(process.env.BENCH_LINES ?? 200_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

/** Runs `docker logs` and counts the newlines it prints on stdout and stderr. */
function dockerLogs(id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", ["logs", "--timestamps", id], { stdio: ["ignore", "pipe", "pipe"] });
    let count = 0;
    let tail = "";
    const countLines = (chunk: Buffer) => {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) count++;
    };
    child.stdout.on("data", countLines);
    child.stderr.on("data", (chunk: Buffer) => {
      countLines(chunk);
      tail = chunk.toString().slice(-300);
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(count) : reject(new Error(`docker logs exited ${code}: ${tail}`)),
    );
  });
}

type Client = Awaited<ReturnType<typeof connect>>;

async function ours(client: Client, id: string): Promise<number> {
  let count = 0;
  for await (const _ of containerLogs(client, id, { tail: "all" })) count++;
  return count;
}

/** The same read a batch per chunk, the way the agent ships log chunks. */
async function oursBatched(client: Client, id: string): Promise<number> {
  let count = 0;
  for await (const batch of containerLogs(client, id, { tail: "all" }).batches()) count += batch.length;
  return count;
}

const client = await connect();
const script = `i=1; while [ $i -le ${lines} ]; do echo "line $i of the benchmark log"; i=$((i+1)); done`;
const [id] = await startBenchContainers(client, 1, script);
try {
  await client.docker.getContainer(id as string).wait();
  const oursMs: number[] = [];
  const batchedMs: number[] = [];
  const cliMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const a = await timed(() => ours(client, id as string));
    const b = await timed(() => dockerLogs(id as string));
    const c = await timed(() => oursBatched(client, id as string));
    if (a.value !== lines || b.value !== lines || c.value !== lines) {
      throw new Error(`read ${a.value} / ${b.value} / ${c.value} of ${lines} lines`);
    }
    oursMs.push(a.ms);
    batchedMs.push(c.ms);
    cliMs.push(b.ms);
  }
  const oursRate = lines / (median(oursMs) / 1000);
  const cliRate = lines / (median(cliMs) / 1000);
  const batchedRate = lines / (median(batchedMs) / 1000);
  await writeResult("logs", {
    lines,
    rounds,
    oursLinesPerSec: Math.round(oursRate),
    dockerLogsLinesPerSec: Math.round(cliRate),
    ratio: Number((oursRate / cliRate).toFixed(2)),
    oursBatchedLinesPerSec: Math.round(batchedRate),
    batchedRatio: Number((batchedRate / cliRate).toFixed(2)),
  });
  console.log(
    `log read of ${lines} lines: ours ${Math.round(oursRate)} lines/s (${(oursRate / cliRate).toFixed(2)}×), ` +
      `batched ${Math.round(batchedRate)} lines/s (${(batchedRate / cliRate).toFixed(2)}×), docker logs ${Math.round(cliRate)} lines/s`,
  );
} finally {
  await removeBenchContainers(client, [id as string]);
}
