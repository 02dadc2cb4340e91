/**
 * A container prints a numbered line every 10 ms while the console follows its log through the
 * real agent bundle; the agent dies (or goes silent) and comes back. The lines received must be
 * exactly 1, 2, 3, … with no gap and no duplicate.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type DockerClient } from "../../../../../packages/runtime/src/client.ts";
import { removeCreated, runTestContainer } from "../../../../../packages/runtime/src/test-containers.ts";
import {
  type AgentBundle,
  type AgentProcess,
  buildAgentBundle,
  startAgent,
} from "../../../../agent/src/testing/agent-process.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { until } from "../testing/until.ts";
import { mintEnrollmentToken } from "./enrollment.ts";
import type { LinkRegistry } from "./registry.ts";
import { followEvents, followLogs } from "./resume.ts";
import { hostLink } from "./store.ts";

let fleet: TestConsole;
let bundle: AgentBundle;
let docker: DockerClient;
let link: LinkRegistry;
let stateDir: string;
let hostId: string;
let agent: AgentProcess;

const startHostAgent = (token?: string) =>
  startAgent(bundle.file, {
    DOCKFLEET_CONSOLE_URL: fleet.url,
    DOCKFLEET_STATE_DIR: stateDir,
    ...(token ? { DOCKFLEET_ENROLL_TOKEN: token } : {}),
  });

beforeAll(async () => {
  [fleet, bundle, docker] = await Promise.all([startTestConsole(), buildAgentBundle(), connect()]);
  link = hostLink(fleet.db);
  stateDir = await mkdtemp(join(tmpdir(), "dftest-resume-"));
  const host = await fleet.db.host.create({ data: { name: "resume-host" } });
  hostId = host.id;
  agent = startHostAgent((await mintEnrollmentToken(fleet.db, hostId)).token);
  await until(() => link.isConnected(hostId));
});
afterAll(async () => {
  agent?.child.kill("SIGCONT");
  await agent?.kill("SIGKILL");
  await fleet?.stop();
  if (docker) await removeCreated(docker);
  await bundle?.remove();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** Follows the counter container's log into `received` until `stop` aborts. */
function follow(containerId: string) {
  const received: number[] = [];
  const resumes: string[] = [];
  const stop = new AbortController();
  const done = (async () => {
    const lines = followLogs(
      link,
      hostId,
      { containerId, tail: "all" },
      {
        signal: stop.signal,
        onResume: (from) => resumes.push(from),
      },
    );
    try {
      for await (const line of lines) received.push(Number(line.line));
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    }
  })();
  return { received, resumes, stop: () => stop.abort(), done };
}

function expectCounting(received: number[]): void {
  const firstWrong = received.findIndex((n, index) => n !== index + 1);
  expect(firstWrong, `line ${firstWrong} is ${received[firstWrong]}, not ${firstWrong + 1}`).toBe(-1);
}

describe("following a log across agent reconnects", () => {
  it("has no gap and no duplicate when the agent dies and restarts", async () => {
    const container = await runTestContainer(
      docker,
      "i=0; while true; do i=$((i+1)); echo $i; usleep 10000; done",
    );
    const logs = follow(container.id);
    await until(() => logs.received.length >= 100);

    agent.child.kill("SIGKILL");
    await agent.exited;
    await until(() => !link.isConnected(hostId));
    const atCut = logs.received.length;
    await sleep(1_000); // the container keeps counting while nobody reads
    agent = startHostAgent();
    await until(() => logs.received.length >= atCut + 300);
    logs.stop();
    await logs.done;

    expect(logs.resumes).toHaveLength(1);
    expectCounting(logs.received);
  });

  it("has no gap and no duplicate when the agent goes silent until the heartbeat drops it", async () => {
    const container = await runTestContainer(
      docker,
      "i=0; while true; do i=$((i+1)); echo $i; usleep 10000; done",
    );
    const logs = follow(container.id);
    await until(() => logs.received.length >= 100);

    agent.child.kill("SIGSTOP");
    await until(() => !link.isConnected(hostId));
    const atCut = logs.received.length;
    agent.child.kill("SIGCONT");
    await until(() => logs.received.length >= atCut + 300);
    logs.stop();
    await logs.done;

    expect(logs.resumes.length).toBeGreaterThanOrEqual(1);
    expectCounting(logs.received);
  });

  it("resumes Engine events after the last event id", async () => {
    const stop = new AbortController();
    const seen: string[] = [];
    const names = new Set<string>();
    const following = (async () => {
      const events = followEvents(
        link,
        hostId,
        { types: ["container"], filters: { label: ["dockfleet.test=1"] } },
        {
          signal: stop.signal,
        },
      );
      try {
        for await (const event of events) {
          seen.push(event.id);
          if (event.action === "start") names.add(event.actor.attributes.name ?? "");
        }
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      }
    })();
    const before = await runTestContainer(docker, "sleep 3600");
    const beforeName = (await before.inspect()).Name.replace(/^\//, "");
    await until(() => names.has(beforeName));

    agent.child.kill("SIGKILL");
    await agent.exited;
    await until(() => !link.isConnected(hostId));
    const during = await runTestContainer(docker, "sleep 3600");
    const duringName = (await during.inspect()).Name.replace(/^\//, "");
    agent = startHostAgent();
    await until(() => names.has(duringName));
    stop.abort();
    await following;
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("fails at once when the host is offline from the start", async () => {
    const other = await fleet.db.host.create({ data: { name: "resume-offline" } });
    const lines = followLogs(link, other.id, { containerId: "x" });
    await expect(lines.next()).rejects.toMatchObject({ code: "offline" });
  });
});
