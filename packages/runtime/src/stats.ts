/**
 * Resource usage of the running containers of a host, cheaply: one quick one-shot read per
 * container, in parallel with a bound, CPU % computed against our own previous sample.
 */
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { compareApiVersions, type DockerClient } from "./client.ts";
import { isRuntimeError, RuntimeError, toRuntimeError } from "./errors.ts";
import {
  blockBytes,
  type CpuStats,
  cpuPercent,
  memoryUsage,
  networkBytes,
  onlineCpus,
  type RawStats,
} from "./stats/math.ts";
import { mapBounded } from "./stats/pool.ts";
import { EngineReader } from "./stats/reader.ts";

export type { CpuStats, RawStats } from "./stats/math.ts";
export { blockBytes, cpuPercent, memoryUsage, networkBytes } from "./stats/math.ts";

/** `one-shot` (answer at once, no second read inside the Engine) arrived with API 1.41. */
export const oneShotApiVersion = "1.41";

export const defaultStatsConcurrency = 64;

export const StatsSampleSchema = z.object({
  containerId: z.string(),
  name: z.string(),
  /** When the Engine read the counters (RFC 3339). */
  read: z.string(),
  /** Share of host CPU since our previous sample, 100 = one full CPU; null on a first sample. */
  cpuPercent: z.number().nullable(),
  onlineCpus: z.number().int(),
  /** Bytes in use minus inactive file cache, as `docker stats` shows it. */
  memoryUsage: z.number(),
  memoryLimit: z.number(),
  memoryPercent: z.number(),
  networkRx: z.number(),
  networkTx: z.number(),
  blockRead: z.number(),
  blockWrite: z.number(),
  pids: z.number().int(),
});
export type StatsSample = z.infer<typeof StatsSampleSchema>;

export const StatsSweepSchema = z.object({
  samples: z.array(StatsSampleSchema),
  /** Containers whose read failed for another reason than having gone away meanwhile. */
  failures: z.array(z.object({ containerId: z.string(), code: z.string(), message: z.string() })),
});
export type StatsSweep = z.infer<typeof StatsSweepSchema>;

/** Turns a raw Engine sample into the figures, given the previous CPU counters of the container. */
export function toStatsSample(
  raw: RawStats,
  previous: CpuStats | undefined,
  containerId: string,
): StatsSample {
  const usage = memoryUsage(raw.memory_stats);
  const limit = raw.memory_stats?.limit ?? 0;
  const network = networkBytes(raw.networks);
  const block = blockBytes(raw.blkio_stats);
  return {
    containerId,
    name: (raw.name ?? "").replace(/^\//, ""),
    read: raw.read,
    cpuPercent: cpuPercent(previous ?? raw.precpu_stats, raw.cpu_stats) ?? null,
    onlineCpus: onlineCpus(raw.cpu_stats),
    memoryUsage: usage,
    memoryLimit: limit,
    memoryPercent: limit > 0 ? (usage / limit) * 100 : 0,
    networkRx: network.rx,
    networkTx: network.tx,
    blockRead: block.read,
    blockWrite: block.write,
    pids: raw.pids_stats?.current ?? 0,
  };
}

export interface StatsSamplerOptions {
  /**
   * Stats reads in flight at once. A one-shot read still waits for the Engine's next stats
   * collection tick (every second, all containers at once), so reads in flight share one wait and a
   * sweep costs about one tick when the bound covers every container; it only caps open sockets.
   */
  concurrency?: number;
  /**
   * Only these containers (an ID, its leading part, or a name): the others are not read at all.
   * Every running container when absent.
   */
  containers?: readonly string[];
}

/** The fields of GET /containers/json a sweep needs. */
interface ListedContainer {
  Id: string;
  Names?: string[];
}

/** Running and paused containers: the ones with stats to read. */
const runningFilter = encodeURIComponent(JSON.stringify({ status: ["running", "paused"] }));

function selector(refs: readonly string[] | undefined): (container: ListedContainer) => boolean {
  if (!refs) return () => true;
  const prefixes = refs.filter((ref) => ref !== "");
  const names = new Set(prefixes.map((ref) => `/${ref.replace(/^\//, "")}`));
  return (container) =>
    (container.Names ?? []).some((name) => names.has(name)) ||
    prefixes.some((prefix) => container.Id.startsWith(prefix));
}

/**
 * Samples containers and remembers each one's CPU counters, so the next sample's CPU % covers the
 * time between the two. Call `sweep()` on an interval (or iterate `watch()`); the first sweep has
 * no CPU % yet.
 */
export class StatsSampler {
  private readonly previous = new Map<string, CpuStats>();
  private readonly concurrency: number;
  private readonly query: string;
  private readonly reader: EngineReader;
  private readonly wanted: (container: ListedContainer) => boolean;

  constructor(client: DockerClient, options: StatsSamplerOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? defaultStatsConcurrency);
    // Without one-shot the Engine waits for a second read of its own (1–2 s) to fill precpu_stats.
    const oneShot = compareApiVersions(client.apiVersion, oneShotApiVersion) >= 0;
    this.query = oneShot ? "?stream=false&one-shot=true" : "?stream=false";
    this.reader = new EngineReader(client, this.concurrency);
    this.wanted = selector(options.containers);
  }

  /** One container's sample. */
  async sample(container: string, signal?: AbortSignal): Promise<StatsSample> {
    const raw = await this.read(container, signal);
    // A stopped container answers with empty counters read at Go's zero time, one that stops
    // while the Engine waits for its next reading with nothing at all.
    if (!raw || raw.read.startsWith("0001-")) {
      throw new RuntimeError("conflict", `stats of container "${container}": container is not running`);
    }
    const id = raw.id ?? container;
    const sample = toStatsSample(raw, this.previous.get(id), id);
    this.previous.set(id, raw.cpu_stats);
    return sample;
  }

  /** Samples every running (or paused) container of the host, or those of `containers`. */
  async sweep(signal?: AbortSignal): Promise<StatsSweep> {
    // One signal for the whole sweep, listened to by every read in flight.
    const sweepSignal = signal ? AbortSignal.any([signal]) : undefined;
    if (sweepSignal) setMaxListeners(this.concurrency + 10, sweepSignal);
    const listed =
      (await this.reader.get<ListedContainer[]>(
        `/containers/json?filters=${runningFilter}`,
        "list running containers",
        signal,
      )) ?? [];
    const ids = listed.filter(this.wanted).map((container) => container.Id);
    const results = await mapBounded(ids, this.concurrency, (id) => this.sample(id, sweepSignal));
    this.forgetAllBut(new Set(ids));
    const sweep: StatsSweep = { samples: [], failures: [] };
    results.forEach((result, index) => {
      if (result.status === "fulfilled") sweep.samples.push(result.value);
      else this.noteFailure(sweep, ids[index] as string, result.reason);
    });
    return sweep;
  }

  /**
   * A sweep every `intervalMs` until the signal aborts; a slow consumer delays the next sweep.
   * The sockets to the Engine close when the iteration ends.
   */
  async *watch(intervalMs: number, signal?: AbortSignal): AsyncGenerator<StatsSweep> {
    try {
      while (!signal?.aborted) {
        const started = Date.now();
        let sweep: StatsSweep;
        try {
          sweep = await this.sweep(signal);
        } catch (error) {
          if (signal?.aborted) return;
          throw error;
        }
        if (signal?.aborted) return;
        yield sweep;
        const wait = intervalMs - (Date.now() - started);
        if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
      }
    } finally {
      this.reader.close();
    }
  }

  private read(container: string, signal?: AbortSignal): Promise<RawStats | undefined> {
    const path = `/containers/${encodeURIComponent(container)}/stats${this.query}`;
    return this.reader.get<RawStats>(path, `stats of container "${container}"`, signal);
  }

  private forgetAllBut(live: Set<string>): void {
    for (const id of this.previous.keys()) if (!live.has(id)) this.previous.delete(id);
  }

  private noteFailure(sweep: StatsSweep, containerId: string, reason: unknown): void {
    // A container that stopped between the list and its read is not a failure, just gone.
    if (isRuntimeError(reason, "not_found") || isRuntimeError(reason, "conflict")) return;
    const error = toRuntimeError(reason, `stats of container "${containerId}"`);
    sweep.failures.push({ containerId, code: error.code, message: error.message });
  }
}

export function createStatsSampler(client: DockerClient, options?: StatsSamplerOptions): StatsSampler {
  return new StatsSampler(client, options);
}
