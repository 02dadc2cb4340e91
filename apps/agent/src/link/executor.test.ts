import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ChunkMessage, CommandEnvelope, CommandName, ResultMessage } from "@dockfleet/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Handlers, handlers as realHandlers } from "../handlers/index.ts";
import { Spool } from "../spool/spool.ts";
import { Executor, type Outbound } from "./executor.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dftest-executor-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A container.start that finishes when the test says so; streams that never end. */
function scripted() {
  const finish = new Map<string, () => void>();
  const handlers: Handlers = {
    ...realHandlers,
    "container.start": async (_ctx, input) => {
      await new Promise<void>((resolve) => finish.set(input.containerId, resolve));
      return null;
    },
    "logs.follow": async (_ctx, _input, signal) => ({
      items: (async function* () {
        await new Promise((resolve) => signal.addEventListener("abort", resolve));
      })(),
      result: () => ({ cursor: null }),
    }),
  };
  return { handlers, finish: (id: string) => finish.get(id)?.() };
}

/** An outbound that records what it was given, or fails like a dead connection. */
function outbound(options: { fail?: boolean } = {}) {
  const results: ResultMessage[] = [];
  const chunks: ChunkMessage[] = [];
  const port: Outbound = {
    result: async (message) => {
      if (options.fail) throw new Error("WebSocket closed");
      results.push(message);
    },
    chunk: async (message) => {
      chunks.push(message);
      return { accepted: true };
    },
  };
  return { port, results, chunks };
}

async function until<T>(probe: () => Promise<T> | T): Promise<NonNullable<T>> {
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    await sleep(5);
  }
}

const command = (
  id: string,
  name: CommandName,
  input: unknown,
  deadline: number | null = Date.now() + 60_000,
): CommandEnvelope => ({ kind: "command", id, name, input, deadline });

describe("the executor across connections", () => {
  it("keeps a result the connection could not take, and gives it to the next connection", async () => {
    const { handlers, finish } = scripted();
    const spool = new Spool(join(dir, "spool"));
    const executor = new Executor({
      handlers,
      context: { docker: async () => never() },
      log: () => {},
      spool,
    });
    const first = outbound();
    executor.attach(first.port, 0);
    executor.handle(command("c1", "container.start", { containerId: "web" }));
    executor.handle(command("s1", "logs.follow", { containerId: "web" }, null));
    await until(() => executor.runningCount === 2);

    executor.detach();
    // The stream stops with the connection; the command runs on.
    await until(() => executor.runningCount === 1);
    expect(await executor.pending()).toEqual(["c1"]);
    finish("web");
    await until(async () => (await spool.ids()).length === 1);
    expect(await executor.pending()).toEqual(["c1"]);

    const second = outbound();
    executor.attach(second.port, 0);
    await until(() => second.results.length === 1);
    expect(second.results).toEqual([{ id: "c1", ok: true, result: null }]);
    expect(first.results).toEqual([]);
    await until(async () => (await spool.ids()).length === 0);
    expect(await executor.pending()).toEqual([]);
  });

  it("spools a result whose connection died without notice (the send failed)", async () => {
    const { handlers, finish } = scripted();
    const spool = new Spool(join(dir, "spool"));
    const executor = new Executor({
      handlers,
      context: { docker: async () => never() },
      log: () => {},
      spool,
    });
    const dead = outbound({ fail: true });
    executor.attach(dead.port, 0);
    executor.handle(command("c2", "container.start", { containerId: "db" }));
    await until(() => executor.runningCount === 1);
    finish("db");
    await until(async () => (await spool.ids()).includes("c2"));
    executor.detach();
    const next = outbound();
    executor.attach(next.port, 0);
    await until(() => next.results.length === 1);
    expect(next.results[0]).toEqual({ id: "c2", ok: true, result: null });
  });

  it("does not keep a result past its deadline", async () => {
    const { handlers, finish } = scripted();
    const spool = new Spool(join(dir, "spool"));
    const logs: string[] = [];
    const executor = new Executor({
      handlers,
      context: { docker: async () => never() },
      log: (m) => logs.push(m),
      spool,
    });
    executor.attach(outbound().port, 0);
    executor.handle(command("c3", "container.start", { containerId: "late" }, Date.now() + 50));
    executor.detach();
    await until(() => logs.some((line) => line.includes("stopped early: timeout")));
    finish("late");
    expect(await spool.ids()).toEqual([]);
  });

  it("stops everything when the agent stops", async () => {
    const { handlers } = scripted();
    const spool = new Spool(join(dir, "spool"));
    const executor = new Executor({
      handlers,
      context: { docker: async () => never() },
      log: () => {},
      spool,
    });
    executor.attach(outbound().port, 0);
    executor.handle(command("c4", "container.start", { containerId: "x" }));
    await until(() => executor.runningCount === 1);
    executor.stop();
    await until(() => executor.runningCount === 0);
    expect(await spool.ids()).toEqual([]);
  });
});

function never(): never {
  throw new Error("no Docker in this test");
}
