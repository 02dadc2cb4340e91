/** Helpers for the runtime's integration tests: a client, unique names, cleanup by label. */
import { randomBytes } from "node:crypto";
import { connect, type DockerClient } from "./client.ts";

/** Every resource a test creates carries this label (and a `dftest-` name prefix). */
export const testLabel = "dockfleet.test";
/** The image tests run: made locally from busybox-static by scripts/services/test-image. */
export const testImage = "local/busybox:latest";

export function testName(what: string): string {
  return `dftest-${what}-${randomBytes(4).toString("hex")}`;
}

export const testLabels = { [testLabel]: "1" } as const;

export function testClient(): Promise<DockerClient> {
  return connect();
}

/** Removes every container, volume and network this test run labelled, and nothing else. */
export async function removeTestResources(client: DockerClient): Promise<void> {
  const filters = { label: [`${testLabel}=1`] };
  const containers = await client.docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => client.docker.getContainer(c.Id).remove({ force: true, v: true })));
  const { Volumes } = await client.docker.listVolumes({ filters });
  await Promise.all((Volumes ?? []).map((v) => client.docker.getVolume(v.Name).remove({ force: true })));
  const networks = await client.docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => client.docker.getNetwork(n.Id).remove()));
}
