/**
 * Console replicas on one Postgres: a scripted agent (the agent's real session code) connected to
 * replica A, calls and streams made on replica B and routed through LISTEN/NOTIFY. Results, typed
 * errors, deadlines, cancels, backpressure, messages over the NOTIFY limit, a replica that stops.
 */
import { createHash, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type HelloInput, linkCloseCodes, protocolVersion } from "@dockfleet/protocol";
import { RuntimeError } from "@dockfleet/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Handlers, StreamRun } from "../../../../agent/src/handlers/index.ts";
import { handlers as realHandlers } from "../../../../agent/src/handlers/index.ts";
import { enroll } from "../../../../agent/src/link/enroll.ts";
import { runSession, type SessionOutcome } from "../../../../agent/src/link/session.ts";
import { revokeHost } from "../hosts/service.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { until } from "../testing/until.ts";
import { notifyLimitBytes } from "./bus.ts";
import { mintEnrollmentToken } from "./enrollment.ts";
import { followLogs } from "./resume.ts";
import { hostLink } from "./store.ts";
import { caught, noDocker, scriptedFacts } from "./testing.ts";
import { uploadThroughStream } from "./upload.ts";

const facts = scriptedFacts({
  hostname: "replica-host",
  // Long enough to make host.facts' result larger than a NOTIFY payload may be.
  securityOptions: Array.from({ length: 400 }, (_, n) => `name=option-${n},profile=default`),
});
const hello = async (): Promise<HelloInput> => ({ protocolVersion, agentVersion: "9.9.9-test", facts });

const seen = { stopSignals: [] as AbortSignal[], produced: 0, streamAborted: false };

const line = (n: number, pad = 0) => ({
  containerId: "c",
  stream: "stdout" as const,
  timestamp: `2026-11-23T08:00:00.${String(n).padStart(9, "0")}Z`,
  line: `line ${n}${"x".repeat(pad)}`,
});

/** What the scripted image.save sends, in pieces of 200 KiB; image.load keeps what it was sent. */
const archive = randomBytes(3 * 1024 * 1024 + 17);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const loaded: Buffer[] = [];

const scripted: Handlers = {
  ...realHandlers,
  "image.save": async (): Promise<StreamRun<"image.save">> => {
    async function* pieces() {
      for (let at = 0; at < archive.length; at += 200 * 1024)
        yield { data: archive.subarray(at, at + 200 * 1024) };
    }
    return { items: pieces(), result: () => ({ bytes: archive.length, sha256: sha256(archive) }) };
  },
  "image.load": async (_ctx, _input, _signal, inbox): Promise<StreamRun<"image.load">> => {
    loaded.length = 0;
    async function* received() {
      let bytes = 0;
      for await (const message of inbox) {
        if (message.kind === "end") return;
        loaded.push(Buffer.from(message.data));
        bytes += message.data.byteLength;
        yield { received: bytes };
      }
    }
    return { items: received(), result: () => ({ images: [`sha256:${sha256(Buffer.concat(loaded))}`] }) };
  },
  "host.facts": async () => facts,
  "container.start": async () => null,
  // A pull that reports its steps 300 ms apart (the agent sends at most one report per 250 ms).
  "image.pull": async (_ctx, input, _signal, progress) => {
    for (const status of ["Pulling from app", "Downloading", "Pull complete"]) {
      progress({ layers: [{ layer: "aaaaaaaaaaaa", status, current: null, total: null }], status: null });
      await sleep(300);
    }
    return { image: input.image, digest: null };
  },
  // A terminal that echoes what is typed, upper-cased, and reports resizes; "exit" ends it.
  "container.terminal": async (_ctx, _input, _signal, inbox): Promise<StreamRun<"container.terminal">> => {
    const encode = (text: string) => ({ data: Buffer.from(text).toString("base64") });
    async function* screen() {
      for await (const message of inbox) {
        if (message.kind === "resize") yield encode(`[${message.rows}x${message.cols}]`);
        else {
          const typed = Buffer.from(message.data, "base64").toString();
          if (typed === "exit") return;
          yield encode(typed.toUpperCase());
        }
      }
    }
    return { items: screen(), result: () => ({ exitCode: 0 }) };
  },
  "container.stop": async (_ctx, _input, signal) => {
    seen.stopSignals.push(signal);
    await new Promise((resolve) => signal.addEventListener("abort", resolve));
    return null;
  },
  "container.inspect": async (_ctx, input) => {
    throw new RuntimeError("not_found", `inspect container "${input.containerId}": no such container`, 404);
  },
  // `tail` lines numbered from 0 (container "pad-N": N more characters each), then waits while
  // following; a cursor resumes after the line it names.
  "logs.follow": async (_ctx, input, signal): Promise<StreamRun<"logs.follow">> => {
    const total = typeof input.tail === "number" ? input.tail : 5_000;
    const pad = Number(input.containerId.split("pad-")[1] ?? 0);
    const from = input.cursor ? Number(input.cursor.timestamp.slice(20, 29)) + 1 : 0;
    async function* items() {
      for (let n = from; n < total; n++) {
        if (signal.aborted) {
          seen.streamAborted = true;
          return;
        }
        seen.produced = n + 1;
        yield line(n, pad);
        if (n % 100 === 0) await sleep(0);
      }
      if (input.follow) {
        await new Promise((resolve) => signal.addEventListener("abort", resolve));
        seen.streamAborted = true;
      }
    }
    return { items: items(), result: () => ({ cursor: null }) };
  },
};

let a: TestConsole;
let b: TestConsole;

beforeAll(async () => {
  a = await startTestConsole();
  b = await startTestConsole({ databaseUrl: a.databaseUrl });
  await Promise.all([hostLink(a.db).ready(), hostLink(b.db).ready()]);
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

async function enrolledHost(name: string) {
  const host = await a.db.host.create({ data: { name }, select: { id: true, name: true } });
  const { token } = await mintEnrollmentToken(a.db, host.id);
  const enrolled = await enroll(a.url, token);
  return { ...host, credential: enrolled.credential };
}

/** Runs a scripted agent session against one console until `stop()`. */
function agentSession(fleet: TestConsole, credential: string) {
  const stop = new AbortController();
  const outcome: Promise<SessionOutcome> = runSession({
    consoleUrl: fleet.url,
    credential,
    handlers: scripted,
    context: noDocker,
    hello,
    log: () => undefined,
    signal: stop.signal,
  });
  return { outcome, stop: () => stop.abort() };
}

describe("a call on replica B for an agent held by replica A", () => {
  let host: { id: string; credential: string };
  let agent: ReturnType<typeof agentSession>;
  beforeAll(async () => {
    host = await enrolledHost("replicas-host");
    agent = agentSession(a, host.credential);
    await until(() => hostLink(a.db).isConnected(host.id));
  });
  afterAll(async () => {
    agent.stop();
    await agent.outcome;
  });

  it("knows where the agent is", async () => {
    expect(hostLink(b.db).isConnected(host.id)).toBe(false);
    expect(await hostLink(b.db).isReachable(host.id)).toBe(true);
    const row = await b.db.host.findUniqueOrThrow({ where: { id: host.id } });
    expect(row.linkReplicaId).toBe(hostLink(a.db).replicaId);
    await hostLink(b.db).whenConnected(host.id);
  });

  it("returns the typed result", async () => {
    await expect(hostLink(b.db).call(host.id, "container.start", { containerId: "web" })).resolves.toBeNull();
  });

  it("brings a job's progress reports back, in order, before its result", async () => {
    const steps: string[] = [];
    const result = await hostLink(b.db).call(
      host.id,
      "image.pull",
      { image: "registry:5000/app:1" },
      { onProgress: (progress) => steps.push(progress.layers[0]?.status ?? "") },
    );
    expect(result).toEqual({ image: "registry:5000/app:1", digest: null });
    // Each report is sent (reports collapse only when one is still on its way, e.g. on a loaded machine).
    const order = ["Pulling from app", "Downloading", "Pull complete"];
    expect(steps[0]).toBe("Pulling from app");
    expect(steps.map((step) => order.indexOf(step))).toEqual(
      [...new Set(steps.map((step) => order.indexOf(step)))].sort(),
    );
  });

  it("brings a result larger than a NOTIFY payload through the table", async () => {
    const result = await hostLink(b.db).call(host.id, "host.facts", {});
    expect(JSON.stringify(result).length).toBeGreaterThan(notifyLimitBytes);
    expect(result.securityOptions).toEqual(facts.securityOptions);
    expect(await a.db.linkMessage.count()).toBe(0);
  });

  it("brings Docker errors back with the runtime's code", async () => {
    const error = await caught(hostLink(b.db).call(host.id, "container.inspect", { containerId: "ghost" }));
    expect(error).toMatchObject({ code: "docker", dockerCode: "not_found" });
    expect(error.message).toContain("no such container");
  });

  it("refuses bad input before sending anything", async () => {
    const error = await caught(hostLink(b.db).call(host.id, "container.stop", { containerId: "" }));
    expect(error.code).toBe("invalid");
  });

  it("cancels a command that outlives its deadline on both ends", async () => {
    const before = seen.stopSignals.length;
    const error = await caught(
      hostLink(b.db).call(host.id, "container.stop", { containerId: "slow" }, { timeoutMs: 500 }),
    );
    expect(error.code).toBe("timeout");
    const signal = await until(() => seen.stopSignals[before]);
    await until(() => signal.aborted);
    await until(() => hostLink(a.db).remote?.inFlight.served === 0);
    expect(hostLink(b.db).remote?.inFlight.outgoing).toBe(0);
  });

  it("cancels on both ends when the caller aborts", async () => {
    const before = seen.stopSignals.length;
    const abort = new AbortController();
    const call = hostLink(b.db).call(
      host.id,
      "container.stop",
      { containerId: "slow" },
      { signal: abort.signal },
    );
    const signal = await until(() => seen.stopSignals[before]);
    abort.abort();
    expect((await caught(call)).code).toBe("cancelled");
    await until(() => signal.aborted);
  });

  it("streams in order, chunks over the NOTIFY limit included", async () => {
    // 5 000 lines of ~300 bytes: the agent's chunks of up to 500 lines are far over 8000 bytes.
    const stream = hostLink(b.db).stream(host.id, "logs.follow", {
      containerId: "pad-300",
      tail: 5_000,
      follow: false,
    });
    const received: number[] = [];
    for await (const chunk of stream) {
      for (const item of chunk.items) received.push(Number(item.line.split(" ")[1]?.replace(/x+$/, "")));
    }
    expect(received).toEqual(Array.from({ length: 5_000 }, (_, n) => n));
    await expect(stream.result).resolves.toEqual({ cursor: null });
    await until(async () => (await a.db.linkMessage.count()) === 0);
  });

  it("carries byte pieces both ways: an archive streamed to B, one uploaded from B", async () => {
    const save = hostLink(b.db).stream(host.id, "image.save", { images: ["app:1"] });
    const pieces: Uint8Array[] = [];
    for await (const chunk of save) for (const item of chunk.items) pieces.push(item.data);
    expect(Buffer.concat(pieces).equals(archive)).toBe(true);
    await expect(save.result).resolves.toEqual({ bytes: archive.length, sha256: sha256(archive) });

    const upload = randomBytes(1024 * 1024 + 5);
    const load = hostLink(b.db).stream(host.id, "image.load", {});
    const result = await uploadThroughStream(
      load,
      (async function* () {
        yield upload;
      })(),
    );
    expect(result).toEqual({ images: [`sha256:${sha256(upload)}`] });
    expect(Buffer.concat(loaded).equals(upload)).toBe(true);
  });

  it("streams with backpressure: a slow consumer on B pauses the agent on A", async () => {
    seen.produced = 0;
    const total = 100_000;
    const stream = hostLink(b.db).stream(host.id, "logs.follow", {
      containerId: "c",
      tail: total,
      follow: false,
    });
    let received = 0;
    let last = -1;
    let pausedAt: number | undefined;
    for await (const chunk of stream) {
      for (const item of chunk.items) {
        const n = Number(item.line.split(" ")[1]);
        expect(n).toBe(last + 1);
        last = n;
        received += 1;
      }
      if (pausedAt === undefined && received >= 500) {
        // Let the agent run ahead as far as it can while nobody reads on B.
        let produced = -1;
        while (seen.produced !== produced) {
          produced = seen.produced;
          await sleep(500);
        }
        pausedAt = seen.produced;
      }
    }
    expect(pausedAt).toBeLessThan(total);
    expect(received).toBe(total);
  });

  it("stops the agent's source when the consumer on B stops", async () => {
    seen.streamAborted = false;
    const stream = hostLink(b.db).stream(host.id, "logs.follow", {
      containerId: "c",
      tail: 10,
      follow: true,
    });
    let count = 0;
    for await (const chunk of stream) {
      count += chunk.items.length;
      if (count >= 10) break;
    }
    await until(() => seen.streamAborted);
    await until(() => hostLink(a.db).remote?.inFlight.served === 0);
    await until(() => hostLink(a.db).connection(host.id)?.inFlight.streams === 0);
    expect(hostLink(b.db).remote?.inFlight.outgoing).toBe(0);
  });

  it("carries a terminal's keystrokes to the agent, in order, sent before and after the holder was found", async () => {
    const terminal = hostLink(b.db).stream(host.id, "container.terminal", { containerId: "web" });
    const keys = (text: string) => ({ kind: "stdin" as const, data: Buffer.from(text).toString("base64") });
    // Sent at once: the holder is still being looked up, so these wait, in order.
    for (const text of ["a", "b", "c"]) terminal.send(keys(text));
    terminal.send({ kind: "resize", rows: 24, cols: 80 });
    let screen = "";
    for await (const chunk of terminal) {
      for (const item of chunk.items) screen += Buffer.from(item.data, "base64").toString();
      if (screen === "ABC[24x80]") terminal.send(keys("exit"));
    }
    expect(screen).toBe("ABC[24x80]");
    await expect(terminal.result).resolves.toEqual({ exitCode: 0 });
    expect(() => terminal.send({ kind: "resize", rows: 0, cols: 1 })).toThrow(/rows/);
  });

  it("fails a call for a host connected nowhere as offline, on every replica", async () => {
    const nowhere = await a.db.host.create({ data: { name: "replicas-nowhere" } });
    expect(
      (await caught(hostLink(b.db).call(nowhere.id, "container.start", { containerId: "x" }))).code,
    ).toBe("offline");
    const stream = hostLink(b.db).stream(nowhere.id, "logs.follow", { containerId: "x" });
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: "offline" });
  });
});

describe("agents moving between replicas", () => {
  it("revoking on B closes the agent's connection on A at once", async () => {
    const host = await enrolledHost("replicas-revoked");
    const agent = agentSession(a, host.credential);
    await until(() => hostLink(a.db).isConnected(host.id));
    // What hosts.revoke does, on B: the connection is on A, and B says it was connected.
    expect(await revokeHost(b.db, host.id)).toEqual({ revokedCredentials: 1, disconnected: true });
    expect((await agent.outcome).code).toBe(linkCloseCodes.credentialRefused);
    expect(hostLink(a.db).isConnected(host.id)).toBe(false);
  });

  it("a replica that stops fails what went through it; the agent reconnects to another and the follow resumes", async () => {
    const c = await startTestConsole({ databaseUrl: a.databaseUrl });
    const host = await enrolledHost("replicas-moving");
    let agent = agentSession(c, host.credential);
    try {
      await until(() => hostLink(c.db).isConnected(host.id));
      const stop = new AbortController();
      const received: number[] = [];
      const resumes: string[] = [];
      const following = (async () => {
        const lines = followLogs(
          hostLink(b.db),
          host.id,
          { containerId: "c", tail: 1_000_000, follow: true },
          { signal: stop.signal, onResume: (from) => resumes.push(from) },
        );
        try {
          for await (const item of lines) {
            received.push(Number(item.line.split(" ")[1]));
            // A slow reader: the replica dies with chunks on their way.
            if (received.length % 1000 === 0) await sleep(10);
          }
        } catch (error) {
          if (!stop.signal.aborted) throw error;
        }
      })();
      await until(() => received.length >= 2_000);
      const pending = caught(hostLink(b.db).call(host.id, "container.stop", { containerId: "slow" }));
      await until(() => hostLink(c.db).remote?.inFlight.served === 2);

      await c.stop();
      expect((await pending).code).toBe("offline");
      await agent.outcome;
      const atStop = received.length;
      agent = agentSession(b, host.credential);
      await until(() => received.length >= atStop + 20_000);
      stop.abort();
      await following;

      expect(resumes.length).toBeGreaterThanOrEqual(1);
      const firstWrong = received.findIndex((n, index) => n !== index);
      expect(firstWrong, `line ${firstWrong} is ${received[firstWrong]}`).toBe(-1);
      expect(await b.db.linkReplica.count()).toBe(2);
    } finally {
      agent.stop();
      await agent.outcome;
      await c.stop();
    }
  });
});
