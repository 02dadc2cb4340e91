/**
 * What the console logs about failed calls, read from the stderr of a real console replica in a
 * process of its own: a browser leaving a subscription is no failure, a real one is logged once
 * with the path and the host.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "./testing/api-client.ts";
import { startTestConsole, type TestConsole } from "./testing/console.ts";
import { type ConsoleProcess, startConsoleProcess } from "./testing/console-process.ts";
import { type LinkedAgent, startLinkedAgent } from "./testing/linked-agent.ts";
import { until } from "./testing/until.ts";

let a: TestConsole;
let b: ConsoleProcess;
let onB: ApiClient;
let agent: LinkedAgent;

beforeAll(async () => {
  a = await startTestConsole();
  const admin = await a.admin();
  b = await startConsoleProcess(a.databaseUrl);
  onB = a.client();
  Object.assign(onB, { baseUrl: b.url, cookie: admin.cookie });
  agent = await startLinkedAgent(a, "dftest-trpc-failures");
});
afterAll(async () => {
  await agent?.stop();
  await b?.kill();
  await a?.stop();
});

const trpcLines = () =>
  b
    .output()
    .split("\n")
    .filter((line) => line.startsWith("[trpc]"));

/** Subscribes to the host's stats on B and hands back the first sweep and a way to leave. */
async function statsOnB(hostId: string) {
  const left = new AbortController();
  const stream = onB.subscribe("containers.stats", { hostId, intervalMs: 1_000 }, left.signal);
  const first = await stream.next();
  return {
    first,
    async leave() {
      left.abort();
      await stream.return(undefined).catch(() => undefined);
    },
  };
}

describe("failed calls in the console's log", () => {
  it("says nothing when a subscriber leaves, streaming or waiting for an offline agent", async () => {
    const streaming = await statsOnB(agent.hostId);
    expect(streaming.first.done).toBe(false);
    await streaming.leave();

    const waiting = await statsOnB(agent.hostId);
    expect(waiting.first.done).toBe(false);
    // The agent dies: the stream on B waits for it to come back, until the browser leaves.
    await agent.process.kill("SIGKILL");
    await until(async () => {
      const host = await a.db.host.findUnique({ where: { id: agent.hostId } });
      return host?.agentConnected === false;
    });
    await waiting.leave();

    // A real failure afterwards: the only line, once, naming the call and the host.
    await a.db.$executeRawUnsafe(`ALTER TABLE "Host" RENAME COLUMN "kernel" TO "dftest_kernel"`);
    try {
      await expect(statsOnB(agent.hostId)).rejects.toThrow(/^INTERNAL_SERVER_ERROR/);
    } finally {
      await a.db.$executeRawUnsafe(`ALTER TABLE "Host" RENAME COLUMN "dftest_kernel" TO "kernel"`);
    }
    await until(() => trpcLines().length > 0);
    expect(trpcLines()).toEqual([
      `[trpc] containers.stats (host ${agent.hostId}) failed: PrismaClientKnownRequestError: `,
    ]);
    expect(b.output()).toMatch(/Host\.kernel/);
    expect(b.output()).not.toMatch(/AbortError|aborted/i);
  });
});
