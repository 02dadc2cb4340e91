/**
 * Two console replicas on one Postgres, each a real HTTP server: replica A in a process of its own,
 * replica B in this one. The real agent bundle, given both URLs, connects to A. A user of B's API
 * lists the host's containers and follows a container's log (SSE) through B while A holds the
 * agent; then A is killed (SIGKILL): the agent moves to B and the log follow goes on with no gap
 * and no duplicate.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type DockerClient } from "../../../../../packages/runtime/src/client.ts";
import { removeCreated, runTestContainer } from "../../../../../packages/runtime/src/test-containers.ts";
import {
  type AgentBundle,
  type AgentProcess,
  buildAgentBundle,
  startAgent,
} from "../../../../agent/src/testing/agent-process.ts";
import type { ApiClient } from "../testing/api-client.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { type ConsoleProcess, startConsoleProcess } from "../testing/console-process.ts";
import { until } from "../testing/until.ts";
import { hostLink } from "./store.ts";

let b: TestConsole;
let a: ConsoleProcess | undefined;
let admin: ApiClient;
let bundle: AgentBundle;
let docker: DockerClient;
let stateDir: string;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  [b, bundle, docker] = await Promise.all([startTestConsole(), buildAgentBundle(), connect()]);
  a = await startConsoleProcess(b.databaseUrl);
  admin = await b.admin();
  stateDir = await mkdtemp(join(tmpdir(), "dftest-failover-"));
});
afterAll(async () => {
  await agent?.kill("SIGKILL");
  await a?.kill("SIGKILL");
  await b?.stop();
  if (docker) await removeCreated(docker);
  await bundle?.remove();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe("a replica dies under a log follow made through another", () => {
  it("moves the agent to the live replica and the follow resumes with no gap and no duplicate", async () => {
    const replicaA = a as ConsoleProcess;
    const enrollment = await admin.must<{ hostId: string; token: string }>(
      "mutate",
      "hosts.enrollmentToken",
      {
        name: "dftest-failover",
        hostGroupId: null,
      },
    );
    const { hostId } = enrollment;
    agent = startAgent(bundle.file, {
      DOCKFLEET_CONSOLE_URL: `${replicaA.url},${b.url}`,
      DOCKFLEET_STATE_DIR: stateDir,
      DOCKFLEET_ENROLL_TOKEN: enrollment.token,
    });
    await agent.waitFor(new RegExp(`connected to ${replicaA.url} as host`));
    const link = hostLink(b.db);
    expect(link.isConnected(hostId)).toBe(false);
    expect(await link.isReachable(hostId)).toBe(true);

    const container = await runTestContainer(
      docker,
      "i=0; while true; do i=$((i+1)); echo $i; usleep 10000; done",
    );
    const listed = await admin.must<{ id: string }[]>("query", "containers.list", { hostId, all: true });
    expect(listed.map((c) => c.id)).toContain(container.id);

    const received: number[] = [];
    const stop = new AbortController();
    const following = (async () => {
      try {
        for await (const line of admin.subscribe<{ line: string }>(
          "containers.logs",
          { hostId, containerId: container.id, tail: 10_000 },
          stop.signal,
        )) {
          received.push(Number(line.line));
        }
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      }
    })();
    await until(() => received.length >= 300);
    expect(link.remote?.inFlight.outgoing).toBe(1);

    await replicaA.kill("SIGKILL");
    const atKill = received.length;
    await until(() => link.isConnected(hostId));
    await until(() => received.length >= atKill + 500);
    stop.abort();
    await following;

    expect(agent.output()).toMatch(new RegExp(`connected to ${b.url} as host`));
    expect(received[0]).toBe(1);
    const firstWrong = received.findIndex((n, index) => n !== index + 1);
    expect(firstWrong, `line ${firstWrong} is ${received[firstWrong]}, not ${firstWrong + 1}`).toBe(-1);
    // The host is B's now, and calls through B reach it there.
    const row = await b.db.host.findUniqueOrThrow({ where: { id: hostId } });
    expect(row).toMatchObject({ agentConnected: true, linkReplicaId: link.replicaId });
    const again = await admin.must<{ id: string }[]>("query", "containers.list", { hostId, all: true });
    expect(again.map((c) => c.id)).toContain(container.id);
  });
});
