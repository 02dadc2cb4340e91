/**
 * The last few minutes of a host's stats sweeps, kept in the browser (the console stores no history
 * for this view), and their shape for the charts: a line per busiest container, the rest as one.
 */
import type { StatsSweep } from "@dockfleet/runtime";

export type Sweep = StatsSweep & { at: string };

export const sweepIntervalMs = 2_000;
export const historyWindowMs = 5 * 60_000;
/** One window of sweeps: the buffer never grows past it, however long the page stays open. */
export const historyCapacity = historyWindowMs / sweepIntervalMs;

/** The id of the line that sums every container not shown on its own (never a container id: those are hex). */
export const othersId = "others";

export interface Series {
  id: string;
  name: string;
}

/** One sweep as a chart point: its time, and a value per series id (null where it is not known yet). */
export type ChartRow = { at: number } & Record<string, number | null>;

/** The history with `sweep` appended, without sweeps older than the window before it and at most `capacity`. */
export function appendSweep(
  history: readonly Sweep[],
  sweep: Sweep,
  capacity = historyCapacity,
  windowMs = historyWindowMs,
): Sweep[] {
  const newest = Date.parse(sweep.at);
  // Sweeps from before the tab was hidden stay while they are recent: the chart shows the gap.
  const kept = history.filter((old) => newest - Date.parse(old.at) < windowMs);
  kept.push(sweep);
  return kept.slice(Math.max(0, kept.length - capacity));
}

/** A sum of readings where null means "not known yet"; null only when every reading is. */
function sumKnown(values: (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 && values.length > 0 ? null : known.reduce((sum, value) => sum + value, 0);
}

/**
 * The `limit` containers that used the most CPU over the history, each a series, and "others" for
 * the rest. Ranking over the whole window (not the last sweep) keeps lines from swapping every 2 s.
 */
export function rankSeries(history: readonly Sweep[], limit: number): Series[] {
  const usage = new Map<string, { name: string; cpu: number }>();
  for (const sweep of history) {
    for (const sample of sweep.samples) {
      const entry = usage.get(sample.containerId) ?? { name: sample.name, cpu: 0 };
      entry.name = sample.name;
      entry.cpu += sample.cpuPercent ?? 0;
      usage.set(sample.containerId, entry);
    }
  }
  const ranked = [...usage]
    .sort(([, a], [, b]) => b.cpu - a.cpu || a.name.localeCompare(b.name))
    .map(([id, { name }]) => ({ id, name }));
  if (ranked.length <= limit) return ranked;
  return [...ranked.slice(0, limit), { id: othersId, name: "others" }];
}

/** CPU % and memory in use per series, one row per sweep. */
export function chartRows(
  history: readonly Sweep[],
  series: readonly Series[],
): { cpu: ChartRow[]; memory: ChartRow[] } {
  const own = new Set(series.map((line) => line.id).filter((id) => id !== othersId));
  const summed = series.some((line) => line.id === othersId);
  const cpu: ChartRow[] = [];
  const memory: ChartRow[] = [];
  for (const sweep of history) {
    const at = Date.parse(sweep.at);
    const cpuRow: ChartRow = { at };
    const memoryRow: ChartRow = { at };
    const rest = sweep.samples.filter((sample) => !own.has(sample.containerId));
    for (const sample of sweep.samples) {
      if (!own.has(sample.containerId)) continue;
      cpuRow[sample.containerId] = sample.cpuPercent;
      memoryRow[sample.containerId] = sample.memoryUsage;
    }
    if (summed) {
      cpuRow[othersId] = sumKnown(rest.map((sample) => sample.cpuPercent));
      memoryRow[othersId] = sumKnown(rest.map((sample) => sample.memoryUsage));
    }
    cpu.push(cpuRow);
    memory.push(memoryRow);
  }
  return { cpu, memory };
}
