/**
 * The numbers `docker stats` shows, computed the way the docker CLI computes them
 * (cli/command/container/stats_helpers.go), from two raw Engine samples of one container.
 */

/** The fields of GET /containers/{id}/stats that the figures come from. */
export interface RawStats {
  read: string;
  id?: string;
  name?: string;
  pids_stats?: { current?: number };
  cpu_stats: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
}

export interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export function onlineCpus(cpu: CpuStats): number {
  return cpu.online_cpus || cpu.cpu_usage.percpu_usage?.length || 0;
}

/**
 * CPU % over the interval between two samples: the container's share of all host CPU time, scaled
 * by the CPUs it could use (so one busy core reads 100%). Undefined without a usable earlier sample.
 */
export function cpuPercent(previous: CpuStats | undefined, current: CpuStats): number | undefined {
  if (previous?.system_cpu_usage === undefined || current.system_cpu_usage === undefined) return undefined;
  const cpuDelta = current.cpu_usage.total_usage - previous.cpu_usage.total_usage;
  const systemDelta = current.system_cpu_usage - previous.system_cpu_usage;
  if (systemDelta <= 0) return undefined;
  if (cpuDelta <= 0) return 0;
  return (cpuDelta / systemDelta) * onlineCpus(current) * 100;
}

/** Memory in use minus the inactive page cache the kernel can drop (cgroup v1 and v2 names). */
export function memoryUsage(memory: RawStats["memory_stats"]): number {
  const usage = memory?.usage ?? 0;
  const stats = memory?.stats ?? {};
  const v1 = stats.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats.inactive_file;
  if (v2 !== undefined && v2 < usage) return usage - v2;
  return usage;
}

export function networkBytes(networks: RawStats["networks"]): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const network of Object.values(networks ?? {})) {
    rx += network.rx_bytes;
    tx += network.tx_bytes;
  }
  return { rx, tx };
}

/** Bytes read and written by block devices; cgroup v1 says "Read", v2 says "read". */
export function blockBytes(blkio: RawStats["blkio_stats"]): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const entry of blkio?.io_service_bytes_recursive ?? []) {
    const op = entry.op.charAt(0).toLowerCase();
    if (op === "r") read += entry.value;
    else if (op === "w") write += entry.value;
  }
  return { read, write };
}
