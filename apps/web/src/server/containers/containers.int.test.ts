/**
 * Containers through the console's real API (SSE + mutations), the real agent bundle and the real
 * dockerd: a log a browser reconnects to, live stats, and a web terminal — a shell with a TTY that
 * sizes, resizes, runs what is typed and exits with its code.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "../../../../../packages/runtime/src/client.ts";
import { containerLogs } from "../../../../../packages/runtime/src/logs.ts";
import { removeCreated, runTestContainer } from "../../../../../packages/runtime/src/test-containers.ts";
import { testClient } from "../../../../../packages/runtime/src/testing.ts";
import type { ApiClient } from "../testing/api-client.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { type LinkedAgent, startLinkedAgent } from "../testing/linked-agent.ts";
import { until } from "../testing/until.ts";
import type { TerminalEvent } from "./terminal.ts";
import { keys, openTestTerminal } from "./testing.ts";

let fleet: TestConsole;
let admin: ApiClient;
let agent: LinkedAgent;
let docker: DockerClient;
let containerId: string;

beforeAll(async () => {
  [fleet, docker] = await Promise.all([startTestConsole(), testClient()]);
  admin = await fleet.admin();
  agent = await startLinkedAgent(fleet, "terminal-host");
  containerId = (await runTestContainer(docker, "sleep 600")).id;
});
afterAll(async () => {
  await agent?.stop();
  await fleet?.stop();
  if (docker) await removeCreated(docker);
});

/** A terminal on this file's container, opened over SSE. */
const openTerminal = (client: ApiClient, size = { rows: 30, cols: 100 }) =>
  openTestTerminal(client, { hostId: agent.hostId, containerId, size });

async function waitFor(read: () => string, pattern: RegExp): Promise<void> {
  while (!pattern.test(read())) await new Promise((resolve) => setTimeout(resolve, 20));
}

interface Sweep {
  at: string;
  samples: { containerId: string; name: string; memoryUsage: number; cpuPercent: number | null }[];
}

interface Received {
  id: string;
  number: number;
}

function expectContinuous(numbers: number[]): void {
  const first = numbers[0] ?? 0;
  const wrong = numbers.findIndex((number, index) => number !== first + index);
  expect(wrong, `line ${wrong} is ${numbers[wrong]}, not ${first + wrong}`).toBe(-1);
}

// Each line is an SSE event whose id a reconnect sends back: in the input as httpSubscriptionLink
// does, or as the Last-Event-ID header as EventSource does.
describe("a browser reconnecting to a container's log", () => {
  let counterId: string;
  beforeAll(async () => {
    // A numbered line every 10 ms: a gap or a repeat shows in the numbers.
    const script = "i=0; while true; do i=$((i+1)); echo $i; usleep 10000; done";
    counterId = (await runTestContainer(docker, script)).id;
  });

  /** Follows the log over one HTTP connection for `count` lines, then drops that connection. */
  async function follow(
    count: number,
    input: { tail?: number; lastEventId?: string } = {},
    header?: { lastEventId: string },
  ): Promise<Received[]> {
    const abort = new AbortController();
    const received: Received[] = [];
    const events = admin.subscribeTracked<{ line: string }>(
      "containers.logs",
      { hostId: agent.hostId, containerId: counterId, ...input },
      { signal: abort.signal, lastEventId: header?.lastEventId },
    );
    for await (const { id, data } of events) {
      if (id === undefined) throw new Error(`line ${data.line} came without an event id`);
      received.push({ id, number: Number(data.line) });
      if (received.length === count) break;
    }
    abort.abort();
    return received;
  }

  /** The number the container printed last, read from the Engine directly. */
  async function lastPrinted(): Promise<number> {
    let last = 0;
    for await (const line of containerLogs(docker, counterId, { tail: 1 })) last = Number(line.line);
    return last;
  }

  /** While the browser is away the container keeps printing: lines a resume must not lose. */
  async function whileAway(lastSeen: number): Promise<void> {
    await until(async () => (await lastPrinted()) >= lastSeen + 50);
  }

  it("with the last event id in the input goes on after that line, without the backlog again", async () => {
    await until(async () => (await lastPrinted()) >= 300);
    const before = await follow(50, { tail: 200 });
    // The first connection read the backlog: it starts far behind what was printed.
    expect(before[0]?.number).toBeGreaterThan(1);
    const last = before.at(-1) as Received;
    await whileAway(last.number);

    const after = await follow(100, { tail: 200, lastEventId: last.id });
    expect(after[0]?.number).toBe(last.number + 1);
    const all = [...before, ...after];
    expectContinuous(all.map((line) => line.number));
    expect(new Set(all.map((line) => line.id)).size).toBe(all.length);
  });

  it("with the Last-Event-ID header (EventSource's own retry) goes on after that line", async () => {
    const before = await follow(20, { tail: 0 });
    const last = before.at(-1) as Received;
    await whileAway(last.number);

    // The same URL as the first connection: only the header says where the browser was.
    const after = await follow(100, { tail: 0 }, { lastEventId: last.id });
    expectContinuous([...before, ...after].map((line) => line.number));
  });

  it("resumes from an id handed out by an earlier connection, not only the last one", async () => {
    const before = await follow(40, { tail: 0 });
    const middle = before[19] as Received;
    const after = await follow(40, { lastEventId: middle.id });
    expect(after.slice(0, 20).map((line) => line.id)).toEqual(before.slice(20).map((line) => line.id));
    expectContinuous([...before.slice(0, 20), ...after].map((line) => line.number));
  });

  it("refuses a malformed last event id with an invalid-input error naming it", async () => {
    const inInput = admin.subscribe("containers.logs", {
      hostId: agent.hostId,
      containerId: counterId,
      lastEventId: "yesterday",
    });
    await expect(inInput.next()).rejects.toThrow(
      /^BAD_REQUEST: lastEventId "yesterday" is not a log position: is not `<timestamp>~<lines at it>`$/,
    );
    const inHeader = admin.subscribeTracked(
      "containers.logs",
      { hostId: agent.hostId, containerId: counterId },
      { lastEventId: "2026-13-45T10:20:30Z~1" },
    );
    await expect(inHeader.next()).rejects.toThrow(
      /^BAD_REQUEST: lastEventId "2026-13-45T10:20:30Z~1" is not a log position: names no real time$/,
    );
  });
});

describe("live stats", () => {
  it("streams sweeps of the containers asked for, to a viewer", async () => {
    const other = (await runTestContainer(docker, "sleep 600")).id;
    const viewer = await fleet.invitedUser(admin, "stats-viewer@dockfleet.test");
    await admin.must("mutate", "grants.create", { role: "viewer", userId: viewer.id, hostGroupId: null });
    const abort = new AbortController();
    const sweeps: Sweep[] = [];
    for await (const sweep of viewer.client.subscribe<Sweep>(
      "containers.stats",
      { hostId: agent.hostId, containerIds: [containerId.slice(0, 12)], intervalMs: 1_000 },
      abort.signal,
    )) {
      sweeps.push(sweep);
      if (sweeps.length === 2) break;
    }
    abort.abort();
    for (const sweep of sweeps) {
      expect(sweep.samples.map((sample) => sample.containerId)).toEqual([containerId]);
      expect(sweep.samples[0]?.memoryUsage).toBeGreaterThan(0);
    }
    // The second sweep has a CPU rate: the sampler kept the first one's counters.
    expect(sweeps[1]?.samples[0]?.cpuPercent).toEqual(expect.any(Number));
    expect(sweeps.flatMap((sweep) => sweep.samples).some((sample) => sample.containerId === other)).toBe(
      false,
    );
  });

  it("refuses a user without a grant on the host", async () => {
    const stranger = await fleet.invitedUser(admin, "stats-stranger@dockfleet.test");
    const denied = stranger.client.subscribe("containers.stats", { hostId: agent.hostId });
    await expect(denied.next()).rejects.toThrow(/^FORBIDDEN: you lack container:view/);
  });
});

describe("a web terminal", () => {
  it("runs what is typed at the size the browser gave, resizes, and ends with the shell's exit code", async () => {
    const terminal = await openTerminal(admin);
    const send = (input: unknown) =>
      admin.must("mutate", "containers.terminalInput", {
        hostId: agent.hostId,
        sessionId: terminal.sessionId,
        input,
      });
    await send(keys("stty size; echo answer=$((6*7))\n"));
    await waitFor(terminal.screen, /answer=42/);
    expect(terminal.screen()).toMatch(/^30 100\r?$/m);

    await send({ kind: "resize", rows: 12, cols: 40 });
    await send(keys("stty size\n"));
    await waitFor(terminal.screen, /^12 40\r?$/m);

    await send(keys("exit 3\n"));
    expect(await terminal.exited()).toBe(3);
  });

  it("takes input only from the user who opened it, and audits the opening, not the keys", async () => {
    const terminal = await openTerminal(admin);
    const other = await fleet.invitedUser(admin, "terminal-other@dockfleet.test");
    await admin.must("mutate", "grants.create", { role: "admin", userId: other.id, hostGroupId: null });
    const stolen = await other.client.mutate("containers.terminalInput", {
      hostId: agent.hostId,
      sessionId: terminal.sessionId,
      input: keys("echo stolen\n"),
    });
    expect(stolen.ok ? "ok" : stolen.error).toMatchObject({ code: "NOT_FOUND" });

    await admin.must("mutate", "containers.terminalInput", {
      hostId: agent.hostId,
      sessionId: terminal.sessionId,
      input: keys("echo secret-password-typed\n"),
    });
    await waitFor(terminal.screen, /secret-password-typed\r?\n/);
    await terminal.close();

    const audit = await fleet.db.auditEvent.findMany({ where: { hostId: agent.hostId } });
    expect(audit.filter((event) => event.action === "containers.terminal")).toHaveLength(2);
    expect(
      audit.filter((event) => event.action === "containers.terminalInput").map((event) => event.actorId),
    ).toEqual([other.id]);
    const recorded = JSON.stringify(audit.map((event) => event.detail));
    for (const typed of ["echo stolen\n", "echo secret-password-typed\n"]) {
      expect(recorded).not.toContain(keys(typed).data);
    }
  });

  it("refuses a user without container:exec, and a bad resize", async () => {
    const viewer = await fleet.invitedUser(admin, "terminal-viewer@dockfleet.test");
    await admin.must("mutate", "grants.create", { role: "viewer", userId: viewer.id, hostGroupId: null });
    const denied = viewer.client.subscribe("containers.terminal", { hostId: agent.hostId, containerId });
    await expect(denied.next()).rejects.toThrow(/^FORBIDDEN: you lack container:exec/);

    const terminal = await openTerminal(admin);
    const bad = await admin.mutate("containers.terminalInput", {
      hostId: agent.hostId,
      sessionId: terminal.sessionId,
      input: { kind: "resize", rows: 0, cols: 80 },
    });
    expect(bad.ok ? "ok" : bad.error).toMatchObject({ code: "BAD_REQUEST" });
    await terminal.close();
  });

  // Last: it stops this file's agent.
  it("ends with the host's unavailability, not an internal error, when the agent goes away", async () => {
    const terminal = admin.subscribe<TerminalEvent>("containers.terminal", {
      hostId: agent.hostId,
      containerId,
    });
    expect((await terminal.next()).value).toMatchObject({ kind: "opened" });
    await agent.process.kill("SIGKILL");
    const drained = (async () => {
      for await (const _ of terminal) {
        // the screen, until the error
      }
    })();
    await expect(drained).rejects.toThrow(/^SERVICE_UNAVAILABLE: host terminal-host/);
  });
});
