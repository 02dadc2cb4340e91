/**
 * Web terminals behind a load balancer without sticky sessions: two console replicas on one
 * Postgres (B in a process of its own: nothing shared but the database), the real agent bundle
 * connected to A, a shell in a real container. The terminal is opened on one replica and typed
 * into through both, in pieces that only make sense in order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "../../../../../packages/runtime/src/client.ts";
import { removeCreated, runTestContainer } from "../../../../../packages/runtime/src/test-containers.ts";
import { testClient } from "../../../../../packages/runtime/src/testing.ts";
import { hostLink } from "../link/store.ts";
import { ApiClient } from "../testing/api-client.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { type ConsoleProcess, startConsoleProcess } from "../testing/console-process.ts";
import { type LinkedAgent, startLinkedAgent } from "../testing/linked-agent.ts";
import { until } from "../testing/until.ts";
import { holderOfSession } from "./terminal-sessions.ts";
import { keys, openTestTerminal } from "./testing.ts";

let a: TestConsole;
let b: ConsoleProcess;
let agent: LinkedAgent;
let docker: DockerClient;
let containerId: string;
/** The admin, signed in once, with a client on each replica (one cookie, as behind a load balancer). */
let admin: { a: ApiClient; b: ApiClient };
let other: { a: ApiClient; b: ApiClient };

/** The same signed-in user's client on the replica at `url`. */
function sameUserOn(url: string, client: ApiClient): ApiClient {
  const copy = new ApiClient(url);
  copy.cookie = client.cookie;
  return copy;
}

beforeAll(async () => {
  [a, docker] = await Promise.all([startTestConsole(), testClient()]);
  [b] = await Promise.all([startConsoleProcess(a.databaseUrl), hostLink(a.db).ready()]);
  const adminOnA = await a.admin();
  admin = { a: adminOnA, b: sameUserOn(b.url, adminOnA) };
  const invited = await a.invitedUser(adminOnA, "terminal-replicas-other@dockfleet.test");
  await adminOnA.must("mutate", "grants.create", { role: "admin", userId: invited.id, hostGroupId: null });
  other = { a: invited.client, b: sameUserOn(b.url, invited.client) };
  agent = await startLinkedAgent(a, "dftest-terminal-replicas");
  containerId = (await runTestContainer(docker, "sleep 600")).id;
});
afterAll(async () => {
  await agent?.stop();
  await b?.kill();
  await a?.stop();
  if (docker) await removeCreated(docker);
});

/** A terminal opened on `client`'s replica, the size leaving room for long command lines. */
const openTerminal = (client: ApiClient) =>
  openTestTerminal(client, { hostId: agent.hostId, containerId, size: { rows: 40, cols: 200 } });

function typeInto(client: ApiClient, sessionId: string, text: string) {
  return client.mutate("containers.terminalInput", { hostId: agent.hostId, sessionId, input: keys(text) });
}

/** What the shell printed as `n=<number>` lines (its echo of the typed command never matches). */
const answers = (screen: string) => [...screen.matchAll(/^n=(\d+)\r?$/gm)].map((match) => Number(match[1]));

describe.each([
  ["A, where the agent is", () => admin.a],
  ["B, the agent's stream coming from A", () => admin.b],
])("a terminal opened on replica %s", (_where, opener) => {
  it("takes keystrokes through both replicas, alternately, in order", async () => {
    const terminal = await openTerminal(opener());
    const through = [admin.a, admin.b];
    let sent = 0;
    const commands = 8;
    for (let n = 1; n <= commands; n += 1) {
      // Each command in three pieces, each through the other replica: out of order, it is garbage.
      for (const piece of ["ec", `ho n=$((${n}`, " * 1))\n"]) {
        const result = await typeInto(through[sent % 2] as ApiClient, terminal.sessionId, piece);
        expect(result.ok ? "ok" : result.error).toBe("ok");
        sent += 1;
      }
    }
    await until(() => answers(terminal.screen()).length === commands);
    expect(answers(terminal.screen())).toEqual(Array.from({ length: commands }, (_, index) => index + 1));

    await typeInto(admin.b, terminal.sessionId, "exit 4\n");
    expect(await terminal.exited()).toBe(4);
  });
});

describe("a terminal's owner and end", () => {
  it("refuses another user's input on either replica as not found, and runs none of it", async () => {
    const terminal = await openTerminal(admin.a);
    expect(holderOfSession(terminal.sessionId)).toBe(hostLink(a.db).replicaId);
    for (const client of [other.b, other.a]) {
      const stolen = await typeInto(client, terminal.sessionId, "echo n=$((1000 + 1))\n");
      expect(stolen.ok ? "ok" : stolen.error).toMatchObject({ code: "NOT_FOUND" });
    }
    await typeInto(admin.b, terminal.sessionId, "echo n=$((2 * 1))\n");
    await until(() => answers(terminal.screen()).length > 0);
    expect(answers(terminal.screen())).toEqual([2]);

    // The keystrokes are in no audit record; only the refused attempts are recorded (no content).
    const audit = await a.db.auditEvent.findMany({ where: { action: "containers.terminalInput" } });
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(new Set(audit.map((event) => event.result))).not.toContain("ok");
    expect(JSON.stringify(audit.map((event) => event.detail))).not.toContain(
      keys("echo n=$((1000 + 1))\n").data,
    );
    await terminal.close();
  });

  it("answers not found on both replicas once the terminal has ended", async () => {
    const terminal = await openTerminal(admin.b);
    await typeInto(admin.a, terminal.sessionId, "exit 0\n");
    expect(await terminal.exited()).toBe(0);
    for (const client of [admin.a, admin.b]) {
      const late = await typeInto(client, terminal.sessionId, "echo late\n");
      expect(late.ok ? "ok" : late.error).toMatchObject({ code: "NOT_FOUND" });
    }
  });

  it("answers not found for sessions nobody holds: foreign ids, forged ones, a replica that crashed", async () => {
    const terminal = await openTerminal(admin.a);
    const id = terminal.sessionId;
    const flip = (at: number) => `${id.slice(0, at)}${id[at] === "0" ? "1" : "0"}${id.slice(at + 1)}`;
    const c = await startConsoleProcess(a.databaseUrl);
    const onC = await openTerminal(sameUserOn(c.url, admin.a));
    await c.kill("SIGKILL");
    await onC.drop();
    const unknown = [
      crypto.randomUUID(), // not made by any replica
      flip(35), // A's id with other random bits
      flip(0), // naming a replica that never was
      onC.sessionId, // held by a replica that crashed
    ];
    for (const sessionId of unknown) {
      for (const client of [admin.a, admin.b]) {
        const result = await typeInto(client, sessionId, "echo n=$((3 * 1))\n");
        expect(result.ok ? "ok" : result.error, sessionId).toMatchObject({ code: "NOT_FOUND" });
      }
    }
    expect(answers(terminal.screen())).toEqual([]);
    await until(() => hostLink(a.db).remote?.inFlight.outgoing === 0);
    await terminal.close();
  });
});
