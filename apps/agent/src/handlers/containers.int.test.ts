/**
 * container.wait on the real agent bundle: a wait the console gave up on (its deadline passed)
 * closes the agent's own Engine request, seen on a pass-through socket between agent and dockerd.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "../../../../packages/runtime/src/client.ts";
import { inspectContainer } from "../../../../packages/runtime/src/containers.ts";
import { type EngineProxy, startEngineProxy } from "../../../../packages/runtime/src/engine-proxy-testing.ts";
import { removeCreated, runTestContainer } from "../../../../packages/runtime/src/test-containers.ts";
import { testClient } from "../../../../packages/runtime/src/testing.ts";
import { hostLink } from "../../../web/src/server/link/store.ts";
import { caught } from "../../../web/src/server/link/testing.ts";
import { startTestConsole, type TestConsole } from "../../../web/src/server/testing/console.ts";
import { type LinkedAgent, startLinkedAgent } from "../../../web/src/server/testing/linked-agent.ts";

let fleet: TestConsole;
let docker: DockerClient;
let proxy: EngineProxy;
let agent: LinkedAgent;

beforeAll(async () => {
  [fleet, docker] = await Promise.all([startTestConsole(), testClient()]);
  if (docker.endpoint.kind !== "socket") throw new Error("this test needs the Engine on a unix socket");
  proxy = await startEngineProxy(docker.endpoint.socketPath);
  agent = await startLinkedAgent(fleet, "dftest-wait-host", { DOCKER_HOST: `unix://${proxy.socketPath}` });
});
afterAll(async () => {
  await agent?.stop();
  await fleet?.stop();
  await proxy?.close();
  if (docker) await removeCreated(docker);
});

describe("container.wait on the agent", () => {
  it("closes the Engine request once the call's deadline passed, the container still running", async () => {
    const container = await runTestContainer(docker, "sleep 3600");
    const link = hostLink(fleet.db);
    const late = await caught(
      link.call(agent.hostId, "container.wait", { containerId: container.id }, { timeoutMs: 1000 }),
    );
    expect(late.code).toBe("timeout");
    const connection = await proxy.requested(new RegExp(`/containers/${container.id}/wait`));
    // Without the agent's cancel reaching the runtime, this stays open until the container stops.
    await connection.closed;
    expect((await inspectContainer(docker, container.id)).state.running).toBe(true);
  });
});
