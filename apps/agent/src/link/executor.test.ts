import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type {
  ChunkMessage,
  CommandEnvelope,
  CommandName,
  ProgressMessage,
  ResultMessage,
} from "@dockfleet/protocol";
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
    // A pull that reports a thousand steps at once, then another once told to finish.
    "image.pull": async (_ctx, input, _signal, progress) => {
      for (let n = 1; n <= 1000; n++) progress({ layers: [], status: `step ${n}` });
      await new Promise<void>((resolve) => finish.set(input.image, resolve));
      progress({ layers: [], status: "last step" });
      return { image: input.image, digest: null };
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
  const progress: ProgressMessage[] = [];
  /** Results and reports in the order they were sent. */
  const sent: string[] = [];
  const port: Outbound = {
    result: async (message) => {
      if (options.fail) throw new Error("WebSocket closed");
      results.push(message);
      sent.push("result");
    },
    chunk: async (message) => {
      chunks.push(message);
      return { accepted: true };
    },
    progress: async (message) => {
      progress.push(message);
      sent.push("progress");
    },
  };
  return { port, results, chunks, progress, sent };
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
      context: { docker: async () => never(), backupDir: "/nonexistent" },
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
      context: { docker: async () => never(), backupDir: "/nonexistent" },
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
      context: { docker: async () => never(), backupDir: "/nonexistent" },
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
      context: { docker: async () => never(), backupDir: "/nonexistent" },
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

describe("job progress", () => {
  it("sends the latest report only, a few at a time, again on a new connection, never after the result", async () => {
    const { handlers, finish } = scripted();
    const executor = new Executor({
      handlers,
      context: { docker: async () => never(), backupDir: "/nonexistent" },
      log: () => {},
      spool: new Spool(join(dir, "spool")),
    });
    const first = outbound();
    executor.attach(first.port, 0);
    executor.handle(command("j1", "image.pull", { image: "local/app:1" }));
    await until(() => first.progress.length === 1);
    // A thousand reports in one go: the first went out, the rest collapse into the newest.
    await until(() => first.progress.at(-1)?.progress && first.progress.length === 2);
    expect(first.progress.map((m) => (m.progress as { status: string }).status)).toEqual([
      "step 1",
      "step 1000",
    ]);

    executor.detach();
    const second = outbound();
    executor.attach(second.port, 0);
    await until(() => second.progress.length === 1);
    expect(second.progress[0]).toEqual({ id: "j1", progress: { layers: [], status: "step 1000" } });

    finish("local/app:1");
    await until(() => second.results.length === 1);
    expect(second.results[0]).toEqual({ id: "j1", ok: true, result: { image: "local/app:1", digest: null } });
    await sleep(400);
    // "last step" came right before the end: dropped, or sent before the result, never after it.
    expect(second.sent.at(-1)).toBe("result");
    expect(first.progress).toHaveLength(2);
  });
});

function never(): never {
  throw new Error("no Docker in this test");
}

describe("stream flow control", () => {
  it("keeps at most a few chunks unacknowledged, in order, and sends the result after the last ack", async () => {
    const lines = 50;
    const handlers: Handlers = {
      ...realHandlers,
      "logs.follow": async () => ({
        items: (async function* () {
          for (let n = 0; n < lines; n++) {
            yield { containerId: "c", stream: "stdout" as const, timestamp: `t${n}`, line: `line ${n}` };
          }
        })(),
        result: () => ({ cursor: null }),
      }),
    };
    const executor = new Executor({
      handlers,
      context: { docker: async () => never(), backupDir: "/nonexistent" },
      log: () => {},
      chunkItems: 1,
      chunksInFlight: 3,
    });
    const acks: (() => void)[] = [];
    const seqs: number[] = [];
    const sent: string[] = [];
    let unacknowledged = 0;
    let most = 0;
    executor.attach(
      {
        result: async () => {
          sent.push(`result with ${unacknowledged} unacknowledged`);
        },
        chunk: (message) => {
          seqs.push(message.seq);
          unacknowledged += 1;
          most = Math.max(most, unacknowledged);
          return new Promise((resolve) =>
            acks.push(() => {
              unacknowledged -= 1;
              resolve({ accepted: true });
            }),
          );
        },
        progress: async () => undefined,
      },
      0,
    );
    executor.handle(command("s1", "logs.follow", { containerId: "c" }, null));
    while (seqs.length < lines || acks.length > 0) {
      await until(() => acks.length > 0);
      // The agent waits for credit: nothing more goes out until an ack comes.
      await sleep(5);
      expect(unacknowledged).toBeLessThanOrEqual(3);
      acks.shift()?.();
    }
    await until(() => sent.length === 1);
    expect(sent).toEqual(["result with 0 unacknowledged"]);
    expect(most).toBe(3);
    expect(seqs).toEqual(Array.from({ length: lines }, (_, n) => n));
  });
});
