/** Test helper: run a one-off busybox command against volumes and read its output (created directly with dockerode). */
import type { DockerClient } from "./client.ts";
import { testImage, testLabels, testName } from "./testing.ts";

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
    Labels: { ...testLabels },
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

    Labels: { ...testLabels },
    StopTimeout: 1,
    HostConfig: { Binds: binds, NetworkMode: "none", AutoRemove: extra.autoRemove ?? false },
  });
  await container.start();
  return container.id;
}
