/**
 * A web terminal outlives a dropped browser connection: over the console's real HTTP/SSE API, the
 * real agent bundle and a shell in a real container, the event stream is cut while the shell
 * prints, and a reconnect with the last event id finds the same shell and exactly the bytes it
 * missed. Closing the terminal ends the shell at once; a shell nobody comes back to ends after the
 * grace period (a second console, with a short one).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "../../../../../packages/runtime/src/client.ts";
import { execRun } from "../../../../../packages/runtime/src/exec.ts";
import { removeCreated, runTestContainer } from "../../../../../packages/runtime/src/test-containers.ts";
import { testClient } from "../../../../../packages/runtime/src/testing.ts";
import { hostLink } from "../link/store.ts";
import type { ApiClient } from "../testing/api-client.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { type LinkedAgent, startLinkedAgent } from "../testing/linked-agent.ts";
import { until } from "../testing/until.ts";
import { configureTerminals, terminalRingBytes } from "./terminal-sessions.ts";
import { keys, openTestTerminal, skippedMarker, type TestTerminal } from "./testing.ts";

let docker: DockerClient;
let containerId: string;

beforeAll(async () => {
  docker = await testClient();
  containerId = (await runTestContainer(docker, "sleep 600")).id;
});
afterAll(async () => {
  if (docker) await removeCreated(docker);
});

/** A console with the real agent connected to it, and its admin. */
async function startFleet(name: string, graceMs?: number) {
  const fleet = await startTestConsole();
  if (graceMs !== undefined) configureTerminals(hostLink(fleet.db), { graceMs });
  const admin = await fleet.admin();
  const agent = await startLinkedAgent(fleet, name);
  return { fleet, admin, agent };
}

/**
 * The PIDs of the container's live processes (its own namespace's), read by a separate exec. Not
 * zombies: a process whose parent died goes to PID 1, here a `sleep` that never reaps it.
 */
async function containerPids(): Promise<number[]> {
  const ps = await execRun(docker, containerId, { cmd: ["ps", "-o", "pid,stat"] });
  return ps.stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, stat]) => Number(pid) > 0 && !stat?.startsWith("Z"))
    .map(([pid]) => Number(pid));
}

/** What the container's file says, "" while there is none. */
async function readFile(path: string): Promise<string> {
  return (await execRun(docker, containerId, { cmd: ["cat", path] })).stdout.trim();
}

/** The shell's PID, as it prints it: `$$` says which shell this is. */
async function shellPid(terminal: TestTerminal, send: (text: string) => Promise<unknown>, tag: string) {
  await send(`echo ${tag}=$((0+$$))\n`);
  const pattern = new RegExp(`^${tag}=(\\d+)\\r?$`, "m");
  return Number((await until(() => terminal.screen().match(pattern)))[1]);
}

/** Types into `terminal` as its opener, through terminalInput. */
const typeInto = (client: ApiClient, hostId: string, terminal: TestTerminal) => (text: string) =>
  client.must("mutate", "containers.terminalInput", {
    hostId,
    sessionId: terminal.sessionId,
    input: keys(text),
  });

const offsetOf = (eventId: string) => Number(eventId.slice(eventId.lastIndexOf(":") + 1));

describe("a terminal whose browser connection drops", () => {
  let fleet: TestConsole;
  let admin: ApiClient;
  let agent: LinkedAgent;
  beforeAll(async () => {
    ({ fleet, admin, agent } = await startFleet("dftest-terminal-reattach"));
  });
  afterAll(async () => {
    await agent?.stop();
    await fleet?.stop();
  });

  const open = () =>
    openTestTerminal(admin, { hostId: agent.hostId, containerId, size: { rows: 30, cols: 120 } });
  const typer = (terminal: TestTerminal) => typeInto(admin, agent.hostId, terminal);

  it("goes on in the same shell after a reconnect, with every byte once", async () => {
    const terminal = await open();
    const type = typer(terminal);
    const pid = await shellPid(terminal, type, "before");
    // Numbered lines, a tenth of a second apart; the count also goes to a file, read from outside.
    await type(
      "rm -f /tmp/n; i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo n=$i; echo $i > /tmp/n; usleep 100000; done; echo all=done\n",
    );
    await until(() => /^n=5\r?$/m.test(terminal.screen()));
    await terminal.drop();
    const seen = [...terminal.screen().matchAll(/^n=(\d+)\r?$/gm)].length;
    // The shell goes on printing while nobody watches.
    await until(async () => Number(await readFile("/tmp/n")) >= seen + 10);

    await terminal.reattach();
    await until(() => /^all=done\r?$/m.test(terminal.screen()));
    expect(await shellPid(terminal, type, "after")).toBe(pid);
    const numbers = [...terminal.screen().matchAll(/^n=(\d+)\r?$/gm)].map((match) => Number(match[1]));
    expect(numbers).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    expect(terminal.screen()).not.toMatch(/bytes skipped/);
    // The event ids count the bytes: the last one is the whole screen's length.
    expect(offsetOf(terminal.lastEventId())).toBe(Buffer.byteLength(terminal.screen()));

    // Reattaching is not opening: one audit record for the terminal.
    const audit = await fleet.db.auditEvent.findMany({ where: { action: "containers.terminal" } });
    expect(audit).toHaveLength(1);
    await terminal.close();
  });

  it("marks the output it could not keep while away, and counts it", async () => {
    const terminal = await open();
    const type = typer(terminal);
    await shellPid(terminal, type, "ready");
    await terminal.drop();
    const away = offsetOf(terminal.lastEventId());
    // More than the ring holds, then a line that says it is all out.
    const bytes = terminalRingBytes + 100_000;
    await type(`head -c ${bytes} /dev/zero | tr '\\0' x; echo; echo flood=over > /tmp/flood\n`);
    await until(async () => (await readFile("/tmp/flood")) === "flood=over");

    const before = terminal.screen().length;
    await terminal.reattach();
    await type("echo tail=end\n");
    await until(() => /^tail=end\r?$/m.test(terminal.screen()));
    const after = terminal.screen().slice(before);
    const skipped = Number(after.match(/^\[(\d+) bytes skipped\]/)?.[1]);
    expect(skipped).toBeGreaterThan(0);
    // No byte is unaccounted for: the skipped ones and the ones shown make up all that was printed.
    const shown = Buffer.byteLength(after) - skippedMarker(skipped).length;
    expect(away + skipped + shown).toBe(offsetOf(terminal.lastEventId()));
    expect(after).toMatch(/x{1000}/);
    await terminal.close();
  });

  it("is refused to another user, or with an event id the console did not hand out", async () => {
    const terminal = await open();
    await shellPid(terminal, typer(terminal), "mine");
    const other = await fleet.invitedUser(admin, "terminal-reattach-other@dockfleet.test");
    await admin.must("mutate", "grants.create", { role: "admin", userId: other.id, hostGroupId: null });
    await expect(terminal.reattach(other.client)).rejects.toThrow(
      /^NOT_FOUND: no such terminal open \(it ended, or was opened by someone else\)$/,
    );
    const forged = `${terminal.sessionId}:${offsetOf(terminal.lastEventId()) + 1_000_000}`;
    const beyond = admin.subscribeTracked(
      "containers.terminal",
      { hostId: agent.hostId, containerId },
      { lastEventId: forged },
    );
    await expect(beyond.next()).rejects.toThrow(
      /^BAD_REQUEST: lastEventId ".*" is past what the terminal printed/,
    );
    const malformed = admin.subscribe("containers.terminal", {
      hostId: agent.hostId,
      containerId,
      lastEventId: "yesterday",
    });
    await expect(malformed.next()).rejects.toThrow(
      /^BAD_REQUEST: lastEventId "yesterday" is not a terminal position: is not `<session id>:<byte offset>`$/,
    );
    // The owner still reattaches (the refusals left the shell alone).
    await terminal.reattach();
    await shellPid(terminal, typer(terminal), "still");
    await terminal.close();
  });

  it("shows what the shell printed before it exited while away, then its exit code; later, why it ended", async () => {
    const terminal = await open();
    const type = typer(terminal);
    await shellPid(terminal, type, "start");
    await terminal.drop();
    await type("echo last=words; exit 7\n");
    // Once the shell is gone, its input has nowhere to go.
    await until(async () => {
      const resize = await admin.mutate("containers.terminalInput", {
        hostId: agent.hostId,
        sessionId: terminal.sessionId,
        input: { kind: "resize", rows: 30, cols: 120 },
      });
      return !resize.ok && resize.error.code === "NOT_FOUND";
    });
    await terminal.reattach();
    expect(await terminal.exited()).toBe(7);
    expect(terminal.screen()).toMatch(/^last=words\r?$/m);
    await expect(terminal.reattach()).rejects.toThrow(
      /^NOT_FOUND: the terminal ended while you were away: the shell exited with code 7$/,
    );
  });

  it("ends the shell, and what runs in it, at once when closed", async () => {
    const terminal = await open();
    const type = typer(terminal);
    const pid = await shellPid(terminal, type, "closing");
    await type("sleep 600\n");
    await until(async () => (await containerPids()).length >= 4); // sleep 600 (PID 1), sh, sleep, ps
    const running = await containerPids();
    expect(running).toContain(pid);

    await admin.must("mutate", "containers.terminalClose", {
      hostId: agent.hostId,
      sessionId: terminal.sessionId,
    });
    // Of the processes seen before, only the container's own is left: the shell and its sleep went.
    await until(async () => (await containerPids()).filter((each) => running.includes(each)).join() === "1");
    await expect(terminal.reattach()).rejects.toThrow(
      /^NOT_FOUND: the terminal ended while you were away: it was closed$/,
    );
    const closes = await fleet.db.auditEvent.findMany({ where: { action: "containers.terminalClose" } });
    expect(closes.map((event) => [event.actorId, event.result])).toContainEqual([expect.any(String), "ok"]);
    const other = await admin.mutate("containers.terminalClose", {
      hostId: agent.hostId,
      sessionId: crypto.randomUUID(),
    });
    expect(other.ok ? "ok" : other.error).toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("a terminal nobody comes back to", () => {
  const graceMs = 1_000;
  let fleet: TestConsole;
  let admin: ApiClient;
  let agent: LinkedAgent;
  beforeAll(async () => {
    ({ fleet, admin, agent } = await startFleet("dftest-terminal-grace", graceMs));
  });
  afterAll(async () => {
    await agent?.stop();
    await fleet?.stop();
  });

  it("ends after the grace period, and a late reconnect is told so", async () => {
    const terminal = await openTestTerminal(admin, { hostId: agent.hostId, containerId });
    const type = typeInto(admin, agent.hostId, terminal);
    const pid = await shellPid(terminal, type, "grace");
    await terminal.drop();
    await until(async () => !(await containerPids()).includes(pid));
    await expect(terminal.reattach()).rejects.toThrow(
      /^NOT_FOUND: the terminal ended while you were away: nothing watched it for 1 s, so it was closed$/,
    );
  });
});
