/**
 * Test helpers of the images/volumes/networks/topology/archives suites: labels unique to this test
 * file, cleanup of exactly what carries them (other suites share the daemon at the same time, so
 * nothing is swept by the shared test label alone), and one-off busybox runs against volumes.
 */
import { randomBytes } from "node:crypto";
import type { DockerClient } from "./client.ts";
import { isRuntimeError, toRuntimeError } from "./errors.ts";
import { testImage, testLabels, testName } from "./testing.ts";

export const runLabel = "dockfleet.test.run";
/** The shared test label plus one naming this test file's run (vitest loads this module per file). */
export const suiteLabels = { ...testLabels, [runLabel]: randomBytes(4).toString("hex") } as const;

async function settle(work: Promise<unknown>[]): Promise<void> {
  const failures = (await Promise.allSettled(work)).flatMap((r) => {
    if (r.status === "fulfilled") return [];
    const error = toRuntimeError(r.reason, "clean up");
    // Gone already, or being removed by the Engine right now: either way it is going.
    return isRuntimeError(error, "not_found") || isRuntimeError(error, "conflict") ? [] : [error];
  });
  if (failures[0]) throw failures[0];
}

/** Removes the containers, volumes and networks this test file labelled, and nothing else. */
export async function removeSuiteResources(client: DockerClient): Promise<void> {
  const filters = { label: [`${runLabel}=${suiteLabels[runLabel]}`] };
  const containers = await client.docker.listContainers({ all: true, filters });
  await settle(containers.map((c) => client.docker.getContainer(c.Id).remove({ force: true, v: true })));
  const { Volumes } = await client.docker.listVolumes({ filters });
  await settle((Volumes ?? []).map((v) => client.docker.getVolume(v.Name).remove({ force: true })));
  const networks = await client.docker.listNetworks({ filters });
  await settle(networks.map((n) => client.docker.getNetwork(n.Id).remove()));
}

export interface RunResult {
  exitCode: number;
  output: string;
}

/** Runs `sh -c script` in a fresh labelled busybox container with `binds` ("vol:/path[:ro]"), then removes it. */
export async function runBusybox(
  client: DockerClient,
  script: string,
  binds: string[] = [],
): Promise<RunResult> {
  const container = await client.docker.createContainer({
    name: testName("run"),
    Image: testImage,
    Cmd: ["sh", "-c", script],
    // A TTY keeps the log a plain byte stream (no multiplexing headers).
    Tty: true,
    Labels: { ...suiteLabels },
    HostConfig: { Binds: binds, NetworkMode: "none" },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return { exitCode: StatusCode, output: logs.toString("utf8").replace(/\r\n/g, "\n") };
  } finally {
    await container.remove({ force: true });
  }
}

/** Like runBusybox but fails the test on a non-zero exit. */
export async function mustRun(client: DockerClient, script: string, binds: string[] = []): Promise<string> {
  const result = await runBusybox(client, script, binds);
  if (result.exitCode !== 0)
    throw new Error(`busybox "${script}" exited ${result.exitCode}: ${result.output}`);
  return result.output;
}

/** Starts a long-running labelled busybox container (e.g. a volume user); returns its id. */
export async function startSleeper(
  client: DockerClient,
  binds: string[],
  extra: { autoRemove?: boolean; name?: string } = {},
): Promise<string> {
  const container = await client.docker.createContainer({
    name: extra.name ?? testName("sleeper"),
    Image: testImage,
    // As PID 1, sleep ignores SIGTERM: a stop waits out its timeout (StopTimeout, or the caller's t).
    Cmd: ["sleep", "3600"],

    Labels: { ...suiteLabels },
    StopTimeout: 1,
    HostConfig: { Binds: binds, NetworkMode: "none", AutoRemove: extra.autoRemove ?? false },
  });
  await container.start();
  return container.id;
}
