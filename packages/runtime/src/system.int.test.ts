import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { cpus, release } from "node:os";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { diskUsage, HostFactsSchema, hostFacts } from "./system.ts";
import { testClient } from "./testing.ts";

const run = promisify(execFile);
let client: DockerClient;

beforeAll(async () => {
  client = await testClient();
});

describe("host facts", () => {
  it("reports version, OS, kernel, CPUs, memory and storage like the docker CLI", async () => {
    const facts = HostFactsSchema.parse(await hostFacts(client));
    const info = JSON.parse((await run("docker", ["info", "--format", "{{json .}}"])).stdout);
    const server = JSON.parse((await run("docker", ["version", "--format", "{{json .Server}}"])).stdout);
    expect(facts.engine.version).toBe(server.Version);
    expect(facts.engine.apiVersion).toBe(server.ApiVersion);
    expect(facts.engine.negotiatedApiVersion).toBe(client.apiVersion);
    expect(facts.os.kernelVersion).toBe(release());
    expect(facts.os.name).toBe(info.OperatingSystem);
    expect(facts.cpus).toBe(cpus().length);
    const memTotalKb = Number(/MemTotal:\s+(\d+)/.exec(await readFile("/proc/meminfo", "utf8"))?.[1]);
    expect(facts.memoryBytes).toBe(memTotalKb * 1024);
    expect(facts.storageDriver).toBe(info.Driver);
    expect(facts.cgroupVersion).toBe(info.CgroupVersion);
    expect(facts.diskUsage).toBeUndefined();
  });

  it("reports disk usage like docker system df", async () => {
    const ours = await diskUsage(client);
    const { stdout } = await run("docker", ["system", "df", "--format", "{{json .}}"]);
    const rows = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { Type: string; TotalCount: string });
    const cli = Object.fromEntries(rows.map((row) => [row.Type, Number(row.TotalCount)]));
    expect(ours.images.count).toBe(cli.Images);
    expect(ours.images.sizeBytes).toBeGreaterThan(0);
    expect(ours.images.reclaimableBytes).toBeLessThanOrEqual(ours.images.sizeBytes);
    // Containers and volumes come and go with other suites on the same daemon: only shapes here.
    expect(ours.containers.count).toBeGreaterThanOrEqual(0);
    expect(ours.volumes.reclaimableBytes).toBeLessThanOrEqual(ours.volumes.sizeBytes);
    const withDisk = await hostFacts(client, { diskUsage: true });
    expect(withDisk.diskUsage?.images.count).toBe(ours.images.count);
  });
});
