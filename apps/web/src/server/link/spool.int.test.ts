/**
 * Answers that outlive a connection: the agent's executor and spool (real code, scripted
 * handlers) behind a TCP proxy the test resets, in front of two console replicas on one Postgres.
 * A call whose connection is lost waits; the agent keeps the result on disk and brings it on its
 * next connection, also to another replica; an agent that comes back without the command fails
 * the call at once.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HelloInput, protocolVersion } from "@dockfleet/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Handlers } from "../../../../agent/src/handlers/index.ts";
import { handlers as realHandlers } from "../../../../agent/src/handlers/index.ts";
import { enroll } from "../../../../agent/src/link/enroll.ts";
import { Executor } from "../../../../agent/src/link/executor.ts";
import { runSession, type SessionOutcome } from "../../../../agent/src/link/session.ts";
import { Spool } from "../../../../agent/src/spool/spool.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { until } from "../testing/until.ts";
import { mintEnrollmentToken } from "./enrollment.ts";
import { hostLink } from "./store.ts";
import { noDocker } from "./testing.ts";

/** A TCP proxy to `target` whose `cut()` resets every connection through it, like a dead network. */
async function cuttableProxy(target: string) {
  const { hostname, port } = new URL(target);
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      for (const [client, upstream] of pairs) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const hello = async (): Promise<HelloInput> => ({
  protocolVersion,
  agentVersion: "9.9.9-test",
  facts: null,
  factsError: "no Docker in this test",
});

/** container.start finishes when the test releases its container id. */
const release = new Map<string, () => void>();
const scripted: Handlers = {
  ...realHandlers,
  "container.start": async (_ctx, input) => {
    await new Promise<void>((resolve) => release.set(input.containerId, resolve));
    return null;
  },
};

let a: TestConsole;
let b: TestConsole;
let dir: string;

beforeAll(async () => {
  a = await startTestConsole();
  b = await startTestConsole({ databaseUrl: a.databaseUrl });
  await Promise.all([hostLink(a.db).ready(), hostLink(b.db).ready()]);
  dir = await mkdtemp(join(tmpdir(), "dftest-spool-link-"));
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** An agent as runAgent makes it: one executor with a spool, sessions one after the other. */
async function agent(name: string) {
  const host = await a.db.host.create({ data: { name }, select: { id: true } });
  const { token } = await mintEnrollmentToken(a.db, host.id);
  const { credential } = await enroll(a.url, token);
  const spool = new Spool(join(dir, name));
  const logs: string[] = [];
  const executor = new Executor({
    handlers: scripted,
    context: noDocker,
    log: (message) => logs.push(message),
    spool,
  });
  let stop = new AbortController();
  return {
    hostId: host.id,
    credential,
    spool,
    logs,
    executor,
    /** Connects through `consoleUrl` and stays until the connection ends or `leave()`. */
    session(consoleUrl: string): Promise<SessionOutcome> {
      stop = new AbortController();
      return runSession({
        consoleUrl,
        credential,
        executor,
        hello: async () => ({ ...(await hello()), pending: await executor.pending() }),
        log: (message) => logs.push(message),
        signal: stop.signal,
      });
    },
    leave() {
      stop.abort();
      executor.stop();
    },
  };
}

describe("a result the connection could not take", () => {
  it("reaches the caller on the same replica once the agent is back", async () => {
    const proxy = await cuttableProxy(a.url);
    const host = await agent("spool-same");
    try {
      const first = host.session(proxy.url);
      await until(() => hostLink(a.db).isConnected(host.hostId));
      let settled = false;
      const call = hostLink(a.db).call(host.hostId, "container.start", { containerId: "same" });
      void call.finally(() => {
        settled = true;
      });
      await until(() => release.has("same"));

      proxy.cut();
      await first;
      await until(() => !hostLink(a.db).isConnected(host.hostId));
      release.get("same")?.();
      await until(async () => (await host.spool.ids()).length === 1);
      expect(settled).toBe(false);

      void host.session(proxy.url);
      await expect(call).resolves.toBeNull();
      await until(async () => (await host.spool.ids()).length === 0);
    } finally {
      host.leave();
      await proxy.close();
    }
  });

  it("reaches a caller on another replica, through the replica where the call waited", async () => {
    const proxy = await cuttableProxy(a.url);
    const host = await agent("spool-moved");
    try {
      const first = host.session(proxy.url);
      await until(() => hostLink(a.db).isConnected(host.hostId));
      // Made on B, run by A's connection: parked on A when that connection is lost.
      const call = hostLink(b.db).call(host.hostId, "container.start", { containerId: "moved" });
      await until(() => release.has("moved"));

      proxy.cut();
      await first;
      release.get("moved")?.();
      await until(async () => (await host.spool.ids()).length === 1);

      // The agent comes back to B, whose call it is; the answer goes B → A (parked) → B.
      void host.session(b.url);
      await expect(call).resolves.toBeNull();
      await until(() => hostLink(a.db).remote?.inFlight.served === 0);
    } finally {
      host.leave();
      await proxy.close();
    }
  });

  it("fails the call at once when the agent comes back without the command", async () => {
    const proxy = await cuttableProxy(a.url);
    const host = await agent("spool-forgotten");
    try {
      const first = host.session(proxy.url);
      await until(() => hostLink(a.db).isConnected(host.hostId));
      const call = hostLink(a.db).call(
        host.hostId,
        "container.start",
        { containerId: "forgotten" },
        { timeoutMs: 3_600_000 },
      );
      const failure = call.catch((error: unknown) => error);
      await until(() => release.has("forgotten"));

      proxy.cut();
      await first;
      // A restarted agent: what it ran is gone.
      host.executor.stop();
      await until(() => host.executor.runningCount === 0);
      const restarted = new Executor({
        handlers: scripted,
        context: noDocker,
        log: () => undefined,
      });
      const stop = new AbortController();
      const session = runSession({
        consoleUrl: a.url,
        credential: host.credential,
        executor: restarted,
        hello: async () => ({ ...(await hello()), pending: await restarted.pending() }),
        log: () => undefined,
        signal: stop.signal,
      });
      expect(await failure).toMatchObject({ code: "offline", message: expect.stringMatching(/without/) });
      stop.abort();
      await session;
    } finally {
      host.leave();
      await proxy.close();
    }
  });
});
