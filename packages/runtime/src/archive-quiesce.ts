/** Stops the running containers that use a volume for the duration of an archive, and always restarts them. */
import type { DockerClient } from "./client.ts";
import { engineCall, isRuntimeError, RuntimeError } from "./errors.ts";

import { volumeUsers } from "./volumes.ts";

export interface QuiesceOptions {
  /** Seconds each container gets to stop before it is killed; default: the container's own StopTimeout. */
  stopTimeoutSeconds?: number;
}

async function stopOne(client: DockerClient, volume: string, id: string, options: QuiesceOptions) {
  const opts = options.stopTimeoutSeconds === undefined ? {} : { t: options.stopTimeoutSeconds };
  await engineCall(`stop container ${id.slice(0, 12)} using volume "${volume}"`, () =>
    client.docker.getContainer(id).stop(opts),
  ).catch((error: unknown) => {
    // 304: it stopped on its own meanwhile; it was running, so it is restarted like the others.
    // 404: it was removed meanwhile; a later restart finds nothing to start, which is fine.
    if (!isRuntimeError(error, "not_modified") && !isRuntimeError(error, "not_found")) throw error;
  });
}

/** Stopping a `--rm` container deletes it, so it could never be restarted: refuse before stopping anything. */
async function refuseAutoRemove(client: DockerClient, ids: string[]): Promise<void> {
  const infos = await Promise.all(
    ids.map((id) =>
      engineCall(`inspect container ${id.slice(0, 12)}`, () => client.docker.getContainer(id).inspect()),
    ),
  );
  const doomed = infos.filter((i) => i.HostConfig.AutoRemove).map((i) => i.Name.replace(/^\//, ""));
  if (doomed.length > 0) {
    throw new RuntimeError(
      "conflict",
      `cannot stop ${doomed.join(", ")}: started with --rm, so stopping would remove it; back up without stopping`,
    );
  }
}

async function startAll(client: DockerClient, ids: string[]): Promise<string[]> {
  const results = await Promise.allSettled(
    ids.map((id) =>
      engineCall(`restart container ${id.slice(0, 12)}`, () => client.docker.getContainer(id).start()).catch(
        (error: unknown) => {
          // Removed while stopped (e.g. `compose down`): there is nothing left to restart.
          if (!isRuntimeError(error, "not_found")) throw error;
        },
      ),
    ),
  );
  return results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error).message)] : []));
}

/**
 * Runs `work` with the volume's running users stopped; `work` receives the ids it stopped.
 * Paused containers are left alone: frozen processes cannot write. Every container that was
 * stopped is started again whether `work` succeeds or fails; a failed restart is an error too.
 */
export async function withUsersStopped<T>(
  client: DockerClient,
  volume: string,
  options: QuiesceOptions,
  work: (stopped: string[]) => Promise<T>,
): Promise<T> {
  const users = (await volumeUsers(client, volume)).get(volume) ?? [];
  const running = [...new Set(users.filter((u) => u.state === "running").map((u) => u.id))];
  await refuseAutoRemove(client, running);
  const stopped: string[] = [];
  let result: T | undefined;
  let failure: unknown;
  try {
    // allSettled, not all: every stop must have finished before restarts begin.
    const stops = await Promise.allSettled(running.map((id) => stopOne(client, volume, id, options)));
    for (const [i, r] of stops.entries()) if (r.status === "fulfilled") stopped.push(running[i] as string);
    const refused = stops.find((r) => r.status === "rejected");
    if (refused) throw refused.reason;
    result = await work([...stopped]);
  } catch (error) {
    failure = error;
  }
  const restartFailures = await startAll(client, stopped);
  if (restartFailures.length > 0) {
    const cause = failure instanceof Error ? `${failure.message}; then ` : "";
    throw new RuntimeError("engine", `${cause}restarting containers failed: ${restartFailures.join("; ")}`);
  }
  if (failure !== undefined) throw failure;
  return result as T;
}
