import type { StatsSample } from "@dockfleet/runtime";
import { describe, expect, it } from "vitest";
import { appendSweep, chartRows, othersId, rankSeries, type Sweep } from "./stats-history.ts";

function sample(containerId: string, cpuPercent: number | null, memoryUsage = 1_000): StatsSample {
  return {
    containerId,
    name: `name-${containerId}`,
    read: "2026-01-01T00:00:00Z",
    cpuPercent,
    onlineCpus: 2,
    memoryUsage,
    memoryLimit: 10_000,
    memoryPercent: memoryUsage / 100,
    networkRx: 0,
    networkTx: 0,
    blockRead: 0,
    blockWrite: 0,
    pids: 1,
  };
}

function sweep(second: number, samples: StatsSample[] = []): Sweep {
  return { at: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(), samples, failures: [] };
}

describe("appendSweep", () => {
  it("keeps at most `capacity` sweeps, the newest", () => {
    let history: Sweep[] = [];
    for (let second = 0; second < 10; second += 1) history = appendSweep(history, sweep(second), 4);
    expect(history.map((kept) => Date.parse(kept.at) / 1000 - Date.parse(sweep(0).at) / 1000)).toEqual([
      6, 7, 8, 9,
    ]);
  });

  it("drops sweeps older than the window before the newest (a tab hidden for a while)", () => {
    const history = appendSweep([sweep(0), sweep(2), sweep(50)], sweep(59), 100, 10_000);
    expect(history.map((kept) => kept.at)).toEqual([sweep(50).at, sweep(59).at]);
  });
});

describe("rankSeries", () => {
  it("names every container when there are few, busiest first", () => {
    const history = [sweep(0, [sample("a", 1), sample("b", 5)]), sweep(2, [sample("a", 2), sample("b", 4)])];
    expect(rankSeries(history, 8)).toEqual([
      { id: "b", name: "name-b" },
      { id: "a", name: "name-a" },
    ]);
  });

  it("ranks by CPU over the whole window and folds the rest into others", () => {
    // c spikes once at the end but a used more over the window.
    const history = [
      sweep(0, [sample("a", 50), sample("b", 1), sample("c", null)]),
      sweep(2, [sample("a", 50), sample("b", 1), sample("c", 60)]),
    ];
    expect(rankSeries(history, 1)).toEqual([
      { id: "a", name: "name-a" },
      { id: othersId, name: "others" },
    ]);
  });
});

describe("chartRows", () => {
  it("gives one row per sweep with each shown container's value and the sum of the others", () => {
    const history = [
      sweep(0, [sample("a", null, 100), sample("b", null, 20), sample("c", null, 3)]),
      sweep(2, [sample("a", 10, 100), sample("b", 2, 20), sample("c", null, 3)]),
      sweep(4, [sample("a", 12, 110)]),
    ];
    const { cpu, memory } = chartRows(history, rankSeries(history, 1));
    const at = history.map((kept) => Date.parse(kept.at));
    expect(cpu).toEqual([
      { at: at[0], a: null, [othersId]: null },
      { at: at[1], a: 10, [othersId]: 2 },
      { at: at[2], a: 12, [othersId]: 0 },
    ]);
    expect(memory).toEqual([
      { at: at[0], a: 100, [othersId]: 23 },
      { at: at[1], a: 100, [othersId]: 23 },
      { at: at[2], a: 110, [othersId]: 0 },
    ]);
  });
});
