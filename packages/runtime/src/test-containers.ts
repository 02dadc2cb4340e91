/** Test-only: start labelled, `dftest-`-named busybox containers and wait for them. */
import type Docker from "dockerode";
import type { DockerClient } from "./client.ts";
import { testImage, testLabels, testName } from "./testing.ts";

export interface TestContainerOptions {
  tty?: boolean;
  name?: string;
  memoryBytes?: number;
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
    HostConfig: { Memory: options.memoryBytes },
  });
  await container.start();
  return container;
}

/** Resolves when the container has exited. */
export async function waitForExit(container: Docker.Container): Promise<number> {
  const result = (await container.wait()) as { StatusCode: number };
  return result.StatusCode;
}
