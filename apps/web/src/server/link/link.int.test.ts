/**
 * The console's side of the link against a scripted agent: the agent's real session code over a
 * real WebSocket to the real console server, with handlers the test controls.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  agentLinkPath,
  type HelloInput,
  isLinkError,
  linkCloseCodes,
  protocolVersion,
} from "@dockfleet/protocol";
import { RuntimeError } from "@dockfleet/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Handlers, StreamRun } from "../../../../agent/src/handlers/index.ts";
import { handlers as realHandlers } from "../../../../agent/src/handlers/index.ts";
import { enroll } from "../../../../agent/src/link/enroll.ts";
import { openConnection, runSession, type SessionOutcome } from "../../../../agent/src/link/session.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { until } from "../testing/until.ts";
import { mintEnrollmentToken, revokeHostCredentials } from "./enrollment.ts";
import type { LinkRegistry } from "./registry.ts";
import { hostLink } from "./store.ts";
import { caught, noDocker, scriptedFacts } from "./testing.ts";

const facts = scriptedFacts({ hostname: "fake-host" });
const hello = async (): Promise<HelloInput> => ({ protocolVersion, agentVersion: "9.9.9-test", facts });

/** What the scripted handlers saw, for assertions about the agent's side. */
const seen = { stopSignals: [] as AbortSignal[], produced: 0, streamAborted: false };

const line = (n: number) => ({
  containerId: "c",
  stream: "stdout" as const,
  timestamp: `2026-11-23T08:00:00.${String(n).padStart(9, "0")}Z`,
  line: `line ${n}`,
});

const scripted: Handlers = {
  ...realHandlers,
  "container.start": async () => null,
  "container.stop": async (_ctx, _input, signal) => {
    seen.stopSignals.push(signal);
    await new Promise((resolve) => signal.addEventListener("abort", resolve));
    return null;
  },
  "container.inspect": async (_ctx, input) => {
    throw new RuntimeError("not_found", `inspect container "${input.containerId}": no such container`, 404);
  },
  "container.list": async () => [{ bogus: true }] as never,
  "stats.follow": async (_ctx, _input, signal): Promise<StreamRun<"stats.follow">> => {
    async function* sweeps() {
      for (let n = 0; !signal.aborted; n++) {
        yield { samples: [], failures: [], at: String(n) };
        await sleep(1);
      }
    }
    return { items: sweeps(), result: () => null };
  },
  "logs.follow": async (_ctx, input, signal): Promise<StreamRun<"logs.follow">> => {
    const total = input.tail === "all" ? 5_000 : (input.tail ?? 0);
    async function* items() {
      for (let n = 0; n < total; n++) {
        if (signal.aborted) {
          seen.streamAborted = true;
          return;
        }
        seen.produced = n + 1;
        yield line(n);
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

let console_: TestConsole;
let registry: LinkRegistry;

beforeAll(async () => {
  console_ = await startTestConsole();
  registry = hostLink(console_.db);
});
afterAll(async () => {
  await console_?.stop();
});

async function newHost(name: string) {
  return console_.db.host.create({ data: { name }, select: { id: true, name: true } });
}

async function enrolledHost(name: string) {
  const host = await newHost(name);
  const { token } = await mintEnrollmentToken(console_.db, host.id);
  const enrolled = await enroll(console_.url, token);
  return { ...host, credential: enrolled.credential };
}

/** Runs a scripted agent session in the background until `stop()`. */
function agentSession(credential: string) {
  const stop = new AbortController();
  const logs: string[] = [];
  const outcome: Promise<SessionOutcome> = runSession({
    consoleUrl: console_.url,
    credential,
    handlers: scripted,
    context: noDocker,
    hello,
    log: (message) => logs.push(message),
    signal: stop.signal,
  });
  return { outcome, logs, stop: () => stop.abort() };
}

/** Polls until `probe` gives something truthy (`_what` names it for the reader; no time limit). */
describe("enrollment", () => {
  it("exchanges a token once for a credential stored only as a hash", async () => {
    const host = await newHost("enroll-once");
    const { token, expiresAt } = await mintEnrollmentToken(console_.db, host.id);
    expect(expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60 * 1000);
    const enrolled = await enroll(console_.url, token);
    expect(enrolled).toMatchObject({ hostId: host.id, hostName: "enroll-once" });
    expect(enrolled.credential).toMatch(/^dfa_/);
    const rows = await console_.db.agentCredential.findMany({ where: { hostId: host.id } });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(enrolled.credential);
    expect(JSON.stringify(await console_.db.enrollmentToken.findMany())).not.toContain(token);

    await expect(enroll(console_.url, token)).rejects.toThrow(/already used/);
  });

  it("refuses an expired or unknown token", async () => {
    const host = await newHost("enroll-expired");
    const { token } = await mintEnrollmentToken(console_.db, host.id, 1);
    await sleep(5);
    await expect(enroll(console_.url, token)).rejects.toThrow(/expired at/);
    await expect(enroll(console_.url, "dfe_nope")).rejects.toThrow(/unknown enrollment token/);
    expect(await console_.db.agentCredential.count({ where: { hostId: host.id } })).toBe(0);
  });

  it("invalidates an older unused token when a new one is minted", async () => {
    const host = await newHost("enroll-remint");
    const first = await mintEnrollmentToken(console_.db, host.id);
    await mintEnrollmentToken(console_.db, host.id);
    await expect(enroll(console_.url, first.token)).rejects.toThrow(/expired/);
  });
});

describe("connection", () => {
  it("marks the host online with the facts of its hello, and offline when it goes", async () => {
    const host = await enrolledHost("hello-host");
    const agent = agentSession(host.credential);
    await until(() => registry.isConnected(host.id));
    const row = await console_.db.host.findUniqueOrThrow({ where: { id: host.id } });
    expect(row).toMatchObject({
      agentConnected: true,
      agentVersion: "9.9.9-test",
      dockerVersion: "20.10.24",
      os: "Debian GNU/Linux 12 (bookworm)",
      kernel: "6.1.0",
      cpus: 4,
      memoryBytes: BigInt(8 * 1024 ** 3),
    });
    agent.stop();
    await agent.outcome;
    const offline = await until(async () => {
      const h = await console_.db.host.findUniqueOrThrow({ where: { id: host.id } });
      return h.agentConnected ? undefined : h;
    });
    expect(offline.lastSeenAt).not.toBeNull();
    expect(registry.isConnected(host.id)).toBe(false);
  });

  it("refuses an agent speaking another link protocol, naming both versions", async () => {
    const host = await enrolledHost("old-agent-host");
    const outcome = await runSession({
      consoleUrl: console_.url,
      credential: host.credential,
      handlers: scripted,
      context: noDocker,
      hello: async () => ({ ...(await hello()), protocolVersion: protocolVersion - 1 }),
      log: () => undefined,
      signal: new AbortController().signal,
    });
    expect(outcome).toMatchObject({
      code: linkCloseCodes.incompatible,
      greeted: false,
      reason: `this console speaks link protocol ${protocolVersion}, the agent ${protocolVersion - 1}: install the agent from this console`,
    });
    expect(registry.isConnected(host.id)).toBe(false);
  });

  it("refuses a browser's upgrade and unknown paths", async () => {
    const url = console_.url.replace("http", "ws");
    const status = (path: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`${url}${path}`, { headers });
        socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        socket.on("open", () => {
          socket.close();
          resolve(101);
        });
        socket.on("error", () => undefined);
      });
    expect(await status(agentLinkPath, { origin: console_.url })).toBe(403);
    expect(await status("/api/elsewhere")).toBe(404);
    expect(await status(agentLinkPath)).toBe(101);
  });
});

describe("calls", () => {
  let host: { id: string; credential: string };
  let agent: ReturnType<typeof agentSession>;
  beforeAll(async () => {
    host = await enrolledHost("calls-host");
    agent = agentSession(host.credential);
    await until(() => registry.isConnected(host.id));
  });
  afterAll(async () => {
    agent.stop();
    await agent.outcome;
  });

  it("returns a typed result", async () => {
    await expect(registry.call(host.id, "container.start", { containerId: "web" })).resolves.toBeNull();
  });

  it("brings Docker errors back with the runtime's code", async () => {
    const error = await caught(registry.call(host.id, "container.inspect", { containerId: "ghost" }));
    expect(error).toMatchObject({ code: "docker", dockerCode: "not_found" });
    expect(error.message).toContain("no such container");
  });

  it("refuses a result that does not match the command's schema", async () => {
    expect((await caught(registry.call(host.id, "container.list", {}))).code).toBe("invalid");
  });

  it("refuses bad input before sending anything", async () => {
    const error = await caught(registry.call(host.id, "container.stop", { containerId: "" }));
    expect(error.code).toBe("invalid");
    expect(registry.connection(host.id)?.inFlight.calls).toBe(0);
    const stream = registry.stream(host.id, "logs.follow", { containerId: "x", tail: -1 });
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toSatisfy((e) => isLinkError(e, "invalid"));
  });

  it("cancels a command that outlives its deadline on both ends", async () => {
    const before = seen.stopSignals.length;
    const error = await caught(
      registry.call(host.id, "container.stop", { containerId: "slow" }, { timeoutMs: 300 }),
    );
    expect(error.code).toBe("timeout");
    const signal = await until(() => seen.stopSignals[before]);
    await until(() => signal.aborted);
    expect(["timeout", "cancelled"]).toContain(signal.reason);
    expect(registry.connection(host.id)?.inFlight.calls).toBe(0);
  });

  it("cancels when the caller aborts", async () => {
    const before = seen.stopSignals.length;
    const abort = new AbortController();
    const call = registry.call(host.id, "container.stop", { containerId: "slow" }, { signal: abort.signal });
    const signal = await until(() => seen.stopSignals[before]);
    abort.abort();
    expect((await caught(call)).code).toBe("cancelled");
    await until(() => signal.aborted);
  });

  it("streams with backpressure: a slow consumer pauses the source", async () => {
    seen.produced = 0;
    const stream = registry.stream(host.id, "logs.follow", { containerId: "c", tail: "all", follow: false });
    const received: number[] = [];
    let paused = false;
    for await (const chunk of stream) {
      for (const item of chunk.items) received.push(Number(item.line.split(" ")[1]));
      if (!paused && received.length >= 500) {
        paused = true;
        // Let the agent run ahead as far as it can while we do not read.
        await sleep(500);
        // Console buffer (8 chunks) + agent buffer (1000) + a chunk in flight bound what was read.
        expect(seen.produced - received.length).toBeLessThanOrEqual(8 * 500 + 1000 + 500);
        expect(seen.produced).toBeLessThan(5_000);
      }
    }
    expect(paused).toBe(true);
    expect(received).toEqual(Array.from({ length: 5_000 }, (_, n) => n));
    await expect(stream.result).resolves.toEqual({ cursor: null });
  });

  it("drops the oldest stats sweeps for a slow consumer, and counts them", async () => {
    const stream = registry.stream(host.id, "stats.follow", {}, { bufferChunks: 1 });
    let dropped = 0;
    let last = -1;
    let chunks = 0;
    for await (const chunk of stream) {
      dropped += chunk.dropped;
      for (const sweep of chunk.items) {
        // Whatever was dropped, what arrives is in order and fresh.
        expect(Number(sweep.at)).toBeGreaterThan(last);
        last = Number(sweep.at);
      }
      chunks += 1;
      if (dropped > 0 && chunks > 3) break;
      await sleep(200);
    }
    expect(dropped).toBeGreaterThan(0);
  });

  it("stops the agent's source when the consumer stops", async () => {
    seen.streamAborted = false;
    const stream = registry.stream(host.id, "logs.follow", { containerId: "c", tail: 10, follow: true });
    let count = 0;
    for await (const chunk of stream) {
      count += chunk.items.length;
      if (count >= 10) break;
    }
    await until(() => seen.streamAborted);
    await until(() => registry.connection(host.id)?.inFlight.streams === 0);
  });
});

describe("failures", () => {
  it("fails a call to a host without a connected agent as offline", async () => {
    const host = await newHost("never-connected");
    const error = await caught(registry.call(host.id, "container.list", {}));
    expect(error.code).toBe("offline");
    const stream = registry.stream(host.id, "logs.follow", { containerId: "x" });
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toSatisfy((e) => isLinkError(e, "offline"));
  });

  // A call in flight waits (up to its deadline) for the agent to come back with its answer.
  it("fails a call in flight as offline when the agent goes and does not bring the answer back", async () => {
    const host = await enrolledHost("drops-host");
    const agent = agentSession(host.credential);
    await until(() => registry.isConnected(host.id));
    const call = registry.call(host.id, "container.stop", { containerId: "slow" }, { timeoutMs: 2_000 });
    await sleep(100);
    agent.stop();
    const error = await caught(call);
    expect(error.code).toBe("offline");
    expect(error.message).toMatch(/did not bring the answer back/);
  });

  it("closes a revoked host's connection at once and refuses it afterwards", async () => {
    const host = await enrolledHost("revoked-host");
    const agent = agentSession(host.credential);
    await until(() => registry.isConnected(host.id));
    expect(await revokeHostCredentials(console_.db, host.id)).toBe(1);
    registry.disconnect(host.id, linkCloseCodes.credentialRefused, "the host's credential was revoked");
    const outcome = await agent.outcome;
    expect(outcome.code).toBe(linkCloseCodes.credentialRefused);

    const again = openConnection(console_.url, { credential: host.credential });
    const greeting = again.client.mutation("hello", await hello());
    greeting.catch(() => undefined);
    const closed = await again.closed;
    expect(closed.code).toBe(linkCloseCodes.credentialRefused);
    expect(closed.reason).toMatch(/revoked/);
    await again.close();
  });

  it("lets a new connection of the same host replace the old one", async () => {
    const host = await enrolledHost("twice-host");
    const first = agentSession(host.credential);
    await until(() => registry.isConnected(host.id));
    const firstConnection = registry.connection(host.id);
    const second = agentSession(host.credential);
    await until(() => registry.connection(host.id) !== firstConnection);
    expect((await first.outcome).code).toBe(linkCloseCodes.replaced);
    await expect(registry.call(host.id, "container.start", { containerId: "x" })).resolves.toBeNull();
    second.stop();
    await second.outcome;
  });
});
