import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { createNetwork } from "./networks.ts";
import { removeSuiteResources, suiteLabels } from "./run-testing.ts";
import { testClient, testImage, testName } from "./testing.ts";
import { readTopology, type Topology } from "./topology.ts";

let client: DockerClient;
let network: string;
let server: string;
let clientId: string;

async function run(
  name: string,
  cmd: string,
  extra: { ports?: boolean; alias?: string } = {},
): Promise<string> {
  const container = await client.docker.createContainer({
    name,
    Image: testImage,
    Cmd: ["sh", "-c", cmd],
    Labels: { ...suiteLabels, "com.docker.compose.project": "dftest-stack" },
    ExposedPorts: extra.ports ? { "8080/tcp": {} } : undefined,
    HostConfig: {
      NetworkMode: network,
      // Published on loopback only, on a port the Engine picks.
      PortBindings: extra.ports ? { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] } : undefined,
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: extra.alias ? [extra.alias] : [] } } },
  });
  await container.start();
  return container.id;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  client = await testClient();
  network = testName("topo");
  await createNetwork(client, {
    name: network,
    subnets: [{ subnet: "10.213.40.0/24" }],
    labels: suiteLabels,
  });
  server = await run(testName("echo"), "exec nc -ll -p 8080 -e cat", { ports: true, alias: "echo-server" });
  // The client holds its connection open: sleep keeps nc's stdin from ending.
  clientId = await run(testName("talker"), "sleep 3600 | nc echo-server 8080");
});

afterAll(async () => {
  await removeSuiteResources(client);
});

describe("topology", () => {
  it("shows networks, endpoints, published ports and the live edge between two containers", async () => {
    let topology: Topology = await readTopology(client);
    while (!topology.edges.some((e) => e.source === clientId && e.target === server)) {
      await pause(100);
      topology = await readTopology(client);
    }
    expect(topology.live).toMatchObject({ available: true, reason: null });
    expect(topology.edges.filter((e) => e.target === server)).toEqual([
      { source: clientId, target: server, port: 8080, connections: 1 },
    ]);

    const net = topology.networks.find((n) => n.name === network);
    expect(net).toMatchObject({ driver: "bridge", subnets: ["10.213.40.0/24"] });
    const serverNode = topology.containers.find((c) => c.id === server);
    expect(serverNode).toMatchObject({ state: "running", stack: "dftest-stack", networkMode: network });
    expect(serverNode?.ports).toEqual([
      { privatePort: 8080, protocol: "tcp", publicPort: expect.any(Number), hostIp: "127.0.0.1" },
    ]);
    const endpoint = topology.endpoints.find((e) => e.containerId === server);
    expect(endpoint).toMatchObject({
      networkId: net?.id,
      ipv4Address: expect.stringMatching(/^10\.213\.40\./),
    });
    expect(endpoint?.macAddress).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(endpoint?.aliases).toContain("echo-server");
  });

  it("says when live edges cannot be read: no /proc here, or a remote Engine", async () => {
    const noProc = await readTopology(client, { procRoot: "/nonexistent-proc" });
    expect(noProc.edges).toEqual([]);
    expect(noProc.live.available).toBe(false);
    expect(noProc.live.reason).toContain("/nonexistent-proc");
    expect(noProc.containers.some((c) => c.id === server)).toBe(true);

    const remote: DockerClient = { ...client, endpoint: { kind: "tcp", host: "10.0.0.9", port: 2376 } };
    const far = await readTopology(remote);
    expect(far.live).toMatchObject({ available: false, reason: expect.stringContaining("remote") });
    expect(far.edges).toEqual([]);
  });
});
