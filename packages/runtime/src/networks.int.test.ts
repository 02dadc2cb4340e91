import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { isRuntimeError } from "./errors.ts";
import {
  connectContainer,
  createNetwork,
  disconnectContainer,
  inspectNetwork,
  listNetworks,
  pruneNetworks,
  removeNetwork,
} from "./networks.ts";
import { removeSuiteResources, suiteLabels } from "./run-testing.ts";
import { testClient, testImage, testName } from "./testing.ts";

let client: DockerClient;

beforeAll(async () => {
  client = await testClient();
});

afterAll(async () => {
  await removeSuiteResources(client);
});

async function sleeper(): Promise<{ id: string; name: string }> {
  const name = testName("net-c");
  const container = await client.docker.createContainer({
    name,
    Image: testImage,
    Cmd: ["sleep", "3600"],
    Labels: { ...suiteLabels },
    // On the default bridge ("none" cannot be combined with other networks); it sends nothing.
    HostConfig: { NetworkMode: "bridge" },
  });

  await container.start();
  return { id: container.id, name };
}

/** A /24 in 10.213.x.0 unlikely to clash with other suites' networks. */
const subnet = (n: number) => `10.213.${n}.0/24`;

describe("networks", () => {
  it("creates with subnet, gateway, internal, attachable and labels; lists and inspects", async () => {
    const name = testName("net");
    const created = await createNetwork(client, {
      name,
      subnets: [{ subnet: subnet(10), gateway: "10.213.10.254", ipRange: "10.213.10.128/25" }],
      internal: true,
      attachable: true,
      labels: { ...suiteLabels, tier: "db" },
    });
    expect(created).toMatchObject({
      name,
      driver: "bridge",
      internal: true,
      attachable: true,
      subnets: [{ subnet: subnet(10), gateway: "10.213.10.254", ipRange: "10.213.10.128/25" }],
      labels: { tier: "db" },
      containers: [],
    });
    const listed = await listNetworks(client, { labels: { tier: "db" } });
    expect(listed.map((n) => n.name)).toContain(name);
    expect((await listNetworks(client)).map((n) => n.name)).toEqual(
      expect.arrayContaining(["bridge", "host", "none"]),
    );
    await removeNetwork(client, name);
    expect(isRuntimeError(await inspectNetwork(client, name).catch((e: unknown) => e), "not_found")).toBe(
      true,
    );
  });

  it("connects a container with aliases and a fixed IP, and disconnects it", async () => {
    const name = testName("net");
    await createNetwork(client, { name, subnets: [{ subnet: subnet(11) }], labels: suiteLabels });
    const c = await sleeper();
    await connectContainer(client, name, {
      container: c.name,
      aliases: ["db", "primary"],
      ipv4Address: "10.213.11.42",
    });
    const net = await inspectNetwork(client, name);
    expect(net.containers).toEqual([
      expect.objectContaining({ containerId: c.id, name: c.name, ipv4Address: "10.213.11.42" }),
    ]);
    const inspected = await client.docker.getContainer(c.id).inspect();
    expect(inspected.NetworkSettings.Networks[name]?.Aliases).toEqual(
      expect.arrayContaining(["db", "primary"]),
    );

    const busy = await removeNetwork(client, name).catch((e: unknown) => e);
    expect(isRuntimeError(busy, "conflict")).toBe(true);

    await disconnectContainer(client, name, c.id);
    expect((await inspectNetwork(client, name)).containers).toEqual([]);
  });

  it("gives typed errors for bad specs, clashes and unknown things", async () => {
    const bad = await createNetwork(client, {
      name: testName("net"),
      subnets: [{ subnet: "10.0.0.0/99" }],
    }).catch((e: unknown) => e);
    expect(isRuntimeError(bad, "invalid_spec")).toBe(true);

    const name = testName("net");
    await createNetwork(client, { name, subnets: [{ subnet: subnet(12) }], labels: suiteLabels });
    const duplicate = await createNetwork(client, { name, labels: suiteLabels }).catch((e: unknown) => e);
    expect(isRuntimeError(duplicate, "conflict")).toBe(true);
    const overlap = await createNetwork(client, {
      name: testName("net"),
      subnets: [{ subnet: subnet(12) }],
      labels: suiteLabels,
    }).catch((e: unknown) => e);
    expect(isRuntimeError(overlap, "conflict")).toBe(true);
    const outside = await createNetwork(client, {
      name: testName("net"),
      subnets: [{ subnet: subnet(13), gateway: "10.99.0.1" }],
      labels: suiteLabels,
    }).catch((e: unknown) => e);
    expect(isRuntimeError(outside, "invalid_spec")).toBe(true);

    const c = await sleeper();
    const wrongIp = await connectContainer(client, name, { container: c.id, ipv4Address: "10.99.0.5" }).catch(
      (e: unknown) => e,
    );
    expect(isRuntimeError(wrongIp, "invalid_spec")).toBe(true);
    const noContainer = await connectContainer(client, name, { container: testName("ghost") }).catch(
      (e: unknown) => e,
    );
    expect(isRuntimeError(noContainer, "not_found")).toBe(true);
    const noNetwork = await removeNetwork(client, testName("ghost")).catch((e: unknown) => e);
    expect(isRuntimeError(noNetwork, "not_found")).toBe(true);
  });

  it("prunes only unused networks with the label", async () => {
    const mark = testName("prune");
    const unused = testName("net");
    const used = testName("net");
    await createNetwork(client, { name: unused, labels: { ...suiteLabels, "dftest.prune": mark } });
    await createNetwork(client, { name: used, labels: { ...suiteLabels, "dftest.prune": mark } });
    const c = await sleeper();
    await connectContainer(client, used, { container: c.id });
    const report = await pruneNetworks(client, { labels: { "dftest.prune": mark } });
    expect(report.deleted).toEqual([unused]);
    await expect(inspectNetwork(client, used)).resolves.toMatchObject({ name: used });
  });
});
