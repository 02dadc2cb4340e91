/** Containers of one host, through its agent. */
import { advanceCursor, type LogLine } from "@dockfleet/runtime";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { callHost, followThroughHost, type HostTarget } from "../hosts/gateway.ts";
import { followLogs, followStats } from "../link/resume.ts";
import { hostLink } from "../link/store.ts";
import { logEventId, parseLogEventId } from "./log-event-id.ts";

export function listContainers(db: PrismaClient, host: HostTarget, input: { all: boolean }) {
  return callHost(db, host, "container.list", { all: input.all });
}

export async function startContainer(db: PrismaClient, host: HostTarget, input: { containerId: string }) {
  await callHost(db, host, "container.start", input);
}

export async function stopContainer(
  db: PrismaClient,
  host: HostTarget,
  input: { containerId: string; timeoutSeconds?: number },
) {
  // The Engine waits up to timeoutSeconds before SIGKILL: give the command that long and more.
  const timeoutMs = ((input.timeoutSeconds ?? 10) + 30) * 1000;
  await callHost(db, host, "container.stop", input, { timeoutMs });
}

export async function restartContainer(
  db: PrismaClient,
  host: HostTarget,
  input: { containerId: string; timeoutSeconds?: number },
) {
  const timeoutMs = ((input.timeoutSeconds ?? 10) + 30) * 1000;
  await callHost(db, host, "container.restart", input, { timeoutMs });
}

/** Runs a command in a container to completion; the call outlives the command's own timeout a little. */
export function execInContainer(
  db: PrismaClient,
  host: HostTarget,
  input: { containerId: string; cmd: string[]; user?: string; workingDir?: string; timeoutSeconds: number },
) {
  const { timeoutSeconds, ...command } = input;
  return callHost(db, host, "container.exec", command, { timeoutMs: timeoutSeconds * 1000 });
}

/**
 * A container's log, the last `tail` lines then new ones, resumed across agent reconnects; each
 * line comes with its event id (the cursor after it). With `lastEventId` it continues right after
 * that line instead of reading the backlog again.
 */
export async function* followContainerLogs(
  db: PrismaClient,
  host: HostTarget,
  input: { containerId: string; tail: number; lastEventId?: string },
  signal?: AbortSignal,
): AsyncGenerator<{ id: string; line: LogLine }> {
  let cursor = input.lastEventId === undefined ? undefined : parseLogEventId(input.lastEventId);
  const command = { containerId: input.containerId, tail: input.tail, cursor };
  for await (const line of followThroughHost(host, followLogs(hostLink(db), host.id, command, { signal }))) {
    cursor = advanceCursor(cursor, line.timestamp);
    yield { id: logEventId(cursor), line };
  }
}

/** CPU, memory, network and block I/O of the host's running containers (or some), one sweep per interval. */
export function followContainerStats(
  db: PrismaClient,
  host: HostTarget,
  input: { containerIds?: string[]; intervalMs: number },
  signal?: AbortSignal,
) {
  return followThroughHost(host, followStats(hostLink(db), host.id, input, { signal }));
}
