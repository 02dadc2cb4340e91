/**
 * waitContainer against the real dockerd, through a pass-through socket that shows whether the
 * wait's Engine connection is still open.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type DockerClient } from "./client.ts";
import { inspectContainer, waitContainer } from "./containers.ts";
import { type EngineProxy, startEngineProxy } from "./engine-proxy-testing.ts";
import { isRuntimeError } from "./errors.ts";
import { removeCreated, runTestContainer } from "./test-containers.ts";
import { testClient } from "./testing.ts";

let client: DockerClient;
let proxy: EngineProxy;
let proxied: DockerClient;

beforeAll(async () => {
  client = await testClient();
  if (client.endpoint.kind !== "socket") throw new Error("these tests need the Engine on a unix socket");
  proxy = await startEngineProxy(client.endpoint.socketPath);
  proxied = await connect({ endpoint: { kind: "socket", socketPath: proxy.socketPath } });
});
afterAll(async () => {
  await removeCreated(client);
  await proxy?.close();
});

describe("waiting for a container", () => {
  it("answers the exit code once the container stops", async () => {
    const container = await runTestContainer(client, "sleep 3600");
    const waiting = waitContainer(proxied, container.id);
    await proxy.requested(new RegExp(`/containers/${container.id}/wait`));
    await container.kill({ signal: "SIGKILL" });
    expect(await waiting).toBe(137);
  });

  it("closes the Engine request when aborted and rejects with `aborted`, the container untouched", async () => {
    const container = await runTestContainer(client, "sleep 3600");
    const cancel = new AbortController();
    const waiting = waitContainer(proxied, container.id, { signal: cancel.signal });
    const settled = waiting.then(
      () => "resolved",
      () => "rejected",
    );
    const connection = await proxy.requested(new RegExp(`/containers/${container.id}/wait`));
    expect(connection.open).toBe(true);

    cancel.abort();
    const error = await waiting.catch((e: unknown) => e);
    expect(isRuntimeError(error, "aborted")).toBe(true);
    expect((error as Error).message).toBe(`wait for container "${container.id}": cancelled`);
    // The connection itself is gone, not just our interest in it; the container kept running.
    await connection.closed;
    expect((await inspectContainer(client, container.id)).state.running).toBe(true);

    await client.docker.getContainer(container.id).remove({ force: true });
    expect(await settled).toBe("rejected");
  });

  it("rejects at once when the signal was aborted before the call", async () => {
    const container = await runTestContainer(client, "sleep 3600");
    const error = await waitContainer(proxied, container.id, { signal: AbortSignal.abort() }).catch(
      (e: unknown) => e,
    );
    expect(isRuntimeError(error, "aborted")).toBe(true);
  });
});
