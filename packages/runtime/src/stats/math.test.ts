import { describe, expect, it } from "vitest";
import { toStatsSample } from "../stats.ts";
import { blockBytes, type CpuStats, cpuPercent, memoryUsage, networkBytes, type RawStats } from "./math.ts";

const cpu = (total: number, system: number, online = 2): CpuStats => ({
  cpu_usage: { total_usage: total, percpu_usage: [0, 0] },
  system_cpu_usage: system,
  online_cpus: online,
});

describe("cpuPercent", () => {
  it("is the container's share of host CPU time times the online CPUs", () => {
    // One busy core of two: the container used half of all CPU time.
    expect(cpuPercent(cpu(0, 0), cpu(1e9, 2e9))).toBeCloseTo(100);
    expect(cpuPercent(cpu(1e9, 2e9), cpu(1.25e9, 4e9))).toBeCloseTo(25);
  });

  it("falls back to the per-CPU list when online_cpus is missing", () => {
    const current = { ...cpu(1e9, 4e9), online_cpus: undefined };
    current.cpu_usage.percpu_usage = [1, 2, 3, 4];
    expect(cpuPercent(cpu(0, 0), current)).toBeCloseTo(100);
  });

  it("has no value without an earlier sample or system time", () => {
    expect(cpuPercent(undefined, cpu(1, 1))).toBeUndefined();
    expect(cpuPercent({ cpu_usage: { total_usage: 0 } }, cpu(1, 1))).toBeUndefined();
    expect(cpuPercent(cpu(5, 10), cpu(5, 10))).toBeUndefined();
    expect(cpuPercent(cpu(5, 10), cpu(5, 20))).toBe(0);
  });
});

describe("memoryUsage", () => {
  it("subtracts total_inactive_file on cgroup v1", () => {
    expect(memoryUsage({ usage: 1000, stats: { total_inactive_file: 300, inactive_file: 100 } })).toBe(700);
  });
  it("subtracts inactive_file on cgroup v2", () => {
    expect(memoryUsage({ usage: 1000, stats: { inactive_file: 100 } })).toBe(900);
  });
  it("keeps usage when the cache figure is not below it", () => {
    expect(memoryUsage({ usage: 100, stats: { total_inactive_file: 300 } })).toBe(100);
    expect(memoryUsage(undefined)).toBe(0);
  });
});

describe("network and block I/O", () => {
  it("sums every interface", () => {
    expect(
      networkBytes({ eth0: { rx_bytes: 1, tx_bytes: 2 }, eth1: { rx_bytes: 10, tx_bytes: 20 } }),
    ).toEqual({
      rx: 11,
      tx: 22,
    });
  });
  it("sums reads and writes in both cgroup spellings", () => {
    const entries = [
      { op: "Read", value: 5 },
      { op: "write", value: 7 },
      { op: "Sync", value: 100 },
      { op: "read", value: 1 },
      { op: "Total", value: 13 },
    ];
    expect(blockBytes({ io_service_bytes_recursive: entries })).toEqual({ read: 6, write: 7 });
    expect(blockBytes({ io_service_bytes_recursive: null })).toEqual({ read: 0, write: 0 });
  });
});

describe("toStatsSample", () => {
  const raw: RawStats = {
    read: "2026-11-23T07:24:41.916370486Z",
    name: "/web",
    id: "abc",
    pids_stats: { current: 3 },
    cpu_stats: cpu(3e9, 10e9),
    memory_stats: { usage: 2048, limit: 4096, stats: { total_inactive_file: 1024 } },
    networks: { eth0: { rx_bytes: 1, tx_bytes: 2 } },
    blkio_stats: { io_service_bytes_recursive: [] },
  };

  it("has no CPU % on a first one-shot sample, and one from our previous sample", () => {
    expect(toStatsSample(raw, undefined, "abc").cpuPercent).toBeNull();
    const sample = toStatsSample(raw, cpu(2e9, 8e9), "abc");
    expect(sample).toMatchObject({
      name: "web",
      cpuPercent: 100,
      memoryUsage: 1024,
      memoryPercent: 25,
      pids: 3,
    });
  });

  it("uses the Engine's precpu when it carries one (stream=false without one-shot)", () => {
    expect(toStatsSample({ ...raw, precpu_stats: cpu(2.5e9, 9e9) }, undefined, "abc").cpuPercent).toBeCloseTo(
      100,
    );
  });
});
