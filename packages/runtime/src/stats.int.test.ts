import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { startEngineProxy } from "./engine-proxy-testing.ts";
import { isRuntimeError } from "./errors.ts";
import { StatsSampler, StatsSampleSchema, type StatsSweep } from "./stats.ts";
import { removeCreated, runTestContainer, waitForExit } from "./test-containers.ts";
import { testClient } from "./testing.ts";

const run = promisify(execFile);

let client: DockerClient;

beforeAll(async () => {
  client = await testClient();
});

afterAll(async () => {
  await removeCreated(client);
});

const units: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  kB: 1e3,
  MB: 1e6,
  GB: 1e9,
};

/** "50.3MiB" → bytes, as the docker CLI prints sizes. */
function bytes(text: string): number {
  const match = /^([\d.]+)\s*([A-Za-z]+)$/.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  return Number(match[1]) * (units[match[2] as string] ?? Number.NaN);
}

interface CliStats {
  ID: string;
  CPUPerc: string;
  MemUsage: string;
  PIDs: string;
}

async function dockerStats(ids: string[]): Promise<Map<string, CliStats>> {
  const { stdout } = await run("docker", [
    "stats",
    "--no-stream",
    "--no-trunc",
    "--format",
    "{{json .}}",
    ...ids,
  ]);
  const rows = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as CliStats);
  return new Map(rows.map((row) => [row.ID, row]));
}

describe("stats", () => {
  it("matches docker stats for a busy loop and a container holding memory", async () => {
    // Capped at half a CPU, so both readings aim at ~50 % however loaded the host is.
    const busy = await runTestContainer(client, "while true; do :; done", { nanoCpus: 500_000_000 });
    const holder = await runTestContainer(
      client,
      "x=$(head -c 41943040 /dev/zero | tr '\\0' a); touch /tmp/ready; sleep 3600; echo $x | wc -c",
      { memoryBytes: 512 * 1024 ** 2 },
    );
    // Wait until the holder has built its string (behaviour, not a clock).
    for (;;) {
      const exec = await holder.exec({ Cmd: ["test", "-e", "/tmp/ready"] });
      await exec.start({ Detach: true });
      await sleep(200);
      if ((await exec.inspect()).ExitCode === 0) break;
    }
    // Only ours: other suites' containers come and go on the same daemon.
    const sampler = new StatsSampler(client, { concurrency: 4, containers: [busy.id, holder.id] });
    const first = await sampler.sweep();
    const listed = first.samples.map((s) => s.containerId);
    expect({ listed, failures: first.failures }).toMatchObject({
      listed: expect.arrayContaining([busy.id, holder.id]),
    });
    expect(first.samples.find((s) => s.containerId === busy.id)?.cpuPercent).toBeNull();
    await sleep(1000);
    const [ours, cli] = await Promise.all([sampler.sweep(), dockerStats([busy.id, holder.id])]);
    expect(ours.failures).toEqual([]);
    const busySample = ours.samples.find((s) => s.containerId === busy.id);
    const holderSample = ours.samples.find((s) => s.containerId === holder.id);
    expect(StatsSampleSchema.parse(busySample)).toBeTruthy();
    const cliBusy = cli.get(busy.id) as CliStats;
    const cliHolder = cli.get(holder.id) as CliStats;
    expect(busySample?.cpuPercent).toBeGreaterThan(20);
    expect(busySample?.cpuPercent).toBeLessThan(65);
    expect(Math.abs((busySample?.cpuPercent ?? 0) - Number.parseFloat(cliBusy.CPUPerc))).toBeLessThan(15);
    const [cliUsage = "", cliLimit = ""] = cliHolder.MemUsage.split("/");
    const usage = holderSample?.memoryUsage ?? 0;
    expect(usage).toBeGreaterThan(40 * 1024 ** 2);
    expect(Math.abs(usage - bytes(cliUsage))).toBeLessThan(Math.max(0.1 * usage, 2 * 1024 ** 2));
    expect(holderSample?.memoryLimit).toBe(512 * 1024 ** 2);
    expect(bytes(cliLimit)).toBeCloseTo(512 * 1024 ** 2, -5);
    expect(holderSample?.pids).toBe(Number(cliHolder.PIDs));
  });

  it("watches a host and drops containers that stop", async () => {
    const a = await runTestContainer(client, "sleep 3600");
    const b = await runTestContainer(client, "sleep 3600");
    const sampler = new StatsSampler(client, { containers: [a.id, b.id] });
    const abort = new AbortController();
    const sweeps: StatsSweep[] = [];
    for await (const sweep of sampler.watch(200, abort.signal)) {
      sweeps.push(sweep);
      if (sweeps.length === 2) await b.stop({ t: 0 });
      if (sweeps.length === 3) abort.abort();
    }
    const ids = (sweep: StatsSweep) => sweep.samples.map((s) => s.containerId);
    expect(ids(sweeps[0] as StatsSweep)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(ids(sweeps[2] as StatsSweep)).toContain(a.id);
    expect(ids(sweeps[2] as StatsSweep)).not.toContain(b.id);
    expect(sweeps[1]?.samples.find((s) => s.containerId === a.id)?.cpuPercent).not.toBeNull();
  });

  it("reports a closed socket as unreachable", async () => {
    const closed: DockerClient = {
      ...client,
      endpoint: { kind: "socket", socketPath: "/tmp/dftest-no-such-docker.sock" },
    };
    await expect(new StatsSampler(closed).sweep()).rejects.toSatisfy((e) => isRuntimeError(e, "unreachable"));
  });

  it("reads only the containers asked for, by leading ID or by name", async () => {
    const [byId, byName, other] = await Promise.all([
      runTestContainer(client, "sleep 3600"),
      runTestContainer(client, "sleep 3600"),
      runTestContainer(client, "sleep 3600"),
    ]);
    const name = ((await byName.inspect()).Name as string).slice(1);
    const engine = await startEngineProxy(
      client.endpoint.kind === "socket" ? client.endpoint.socketPath : "",
    );
    try {
      const watched: DockerClient = {
        ...client,
        endpoint: { kind: "socket", socketPath: engine.socketPath },
      };
      const sampler = new StatsSampler(watched, { containers: [byId.id.slice(0, 12), `/${name}`] });
      const sweep = await sampler.sweep();
      expect(sweep.samples.map((s) => s.containerId).sort()).toEqual([byId.id, byName.id].sort());
      expect(sweep.failures).toEqual([]);
      // What went to the Engine: one list, then a stats read of each wanted container and no other.
      const paths = engine.requests().map((line) => line.split(" ")[1] ?? "");
      const read = paths.filter((path) => path.includes("/stats?")).map((path) => path.split("/")[3]);
      expect(paths.filter((path) => path.includes("/containers/json"))).toHaveLength(1);
      expect(read.sort()).toEqual([byId.id, byName.id].sort());
      expect(read).not.toContain(other.id);
    } finally {
      await engine.close();
    }
  });

  it("names unknown and stopped containers", async () => {
    const sampler = new StatsSampler(client);
    await expect(sampler.sample("dftest-no-such-container")).rejects.toSatisfy((e) =>
      isRuntimeError(e, "not_found"),
    );
    const done = await runTestContainer(client, "true");
    await waitForExit(done);
    await expect(sampler.sample(done.id)).rejects.toSatisfy((e) => isRuntimeError(e, "conflict"));
  });
});
