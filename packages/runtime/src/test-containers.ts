/**
 * Test-only: start labelled, `dftest-`-named busybox containers and remove exactly those afterwards.
 * Other suites share the daemon at the same time, so cleanup never sweeps by label alone.
 */
import type Docker from "dockerode";
import type { DockerClient } from "./client.ts";
import { testImage, testLabels, testName } from "./testing.ts";

export interface TestContainerOptions {
  tty?: boolean;
  name?: string;
  memoryBytes?: number;
  /** CPU quota in billionths of a CPU (`--cpus 0.5` is 500_000_000). */
  nanoCpus?: number;
  labels?: Record<string, string>;
}

/** Runs `sh -c script` in a fresh test container and returns it, started. */
export async function runTestContainer(
  client: DockerClient,
  script: string,
  options: TestContainerOptions = {},
): Promise<Docker.Container> {
  const container = await client.docker.createContainer({
    name: options.name ?? testName("c"),
    Image: testImage,
    Cmd: ["sh", "-c", script],
    Tty: options.tty ?? false,
    Labels: { ...testLabels, ...options.labels },
    HostConfig: { Memory: options.memoryBytes, NanoCpus: options.nanoCpus },
  });
  created.add(container.id);
  await container.start();
  return container;
}

const created = new Set<string>();

/** Remembers a container made another way, so `removeCreated` removes it too. */
export function trackCreated(id: string): void {
  created.add(id);
}

/** Removes every container this test file created (and their anonymous volumes). */
export async function removeCreated(client: DockerClient): Promise<void> {
  const ids = [...created];
  created.clear();
  await Promise.all(
    ids.map((id) =>
      client.docker
        .getContainer(id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
}

/** Resolves when the container has exited. */
export async function waitForExit(container: Docker.Container): Promise<number> {
  const result = (await container.wait()) as { StatusCode: number };
  return result.StatusCode;
}
