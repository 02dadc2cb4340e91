/**
 * A network cut in the lab: the real agent bundle runs inside a lab host's network namespace and
 * follows a container on that host's dockerd that prints a numbered line every 10 ms. The host's
 * link (its veth on the lab bridge) goes down for 20 s and comes back: the console must drop the
 * dead connection by its heartbeat, the agent must find out too and reconnect, and the lines
 * received must be exactly 1, 2, 3, … with no gap and no duplicate. Then a command finishes while
 * the link is down: the agent keeps its result on disk and delivers it after the cut, and the
 * console's caller gets it.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type DockerClient } from "../../../../../packages/runtime/src/client.ts";
import { removeCreated, runTestContainer } from "../../../../../packages/runtime/src/test-containers.ts";
import { type LabHost, labUp } from "../../../../../scripts/lab.ts";
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
import { followLogs } from "./resume.ts";
import { hostLink } from "./store.ts";

const run = promisify(execFile);

let fleet: TestConsole;
let bundle: AgentBundle;
let docker: DockerClient;
let link: LinkRegistry;
let host: LabHost;
let veth: string;
let stateDir: string;
let hostId: string;
let agent: AgentProcess | undefined;

const setLink = (state: "up" | "down") => run("ip", ["link", "set", veth, state]);

beforeAll(async () => {
  const lab = await labUp(1);
  host = lab.hosts[0] as LabHost;
  // scripts/lab names host K's end of its veth pair dfl-vK.
  veth = host.name.replace(/^dockfleet-lab-/, "dfl-v");
  [fleet, bundle, docker] = await Promise.all([
    // Lab hosts reach this machine at the bridge's gateway address.
    startTestConsole({ listenHost: "0.0.0.0" }),
    buildAgentBundle(),
    connect({ endpoint: { kind: "socket", socketPath: host.dockerSocket } }),
  ]);
  link = hostLink(fleet.db);
  stateDir = await mkdtemp(join(tmpdir(), "dftest-cut-"));
  const created = await fleet.db.host.create({ data: { name: "dftest-cut-host" } });
  hostId = created.id;
  const port = new URL(fleet.url).port;
  agent = startAgent(
    bundle.file,
    {
      DOCKFLEET_CONSOLE_URL: `http://${lab.gateway}:${port}`,
      DOCKFLEET_STATE_DIR: stateDir,
      DOCKFLEET_ENROLL_TOKEN: (await mintEnrollmentToken(fleet.db, hostId)).token,
      DOCKER_HOST: `unix://${host.dockerSocket}`,
    },
    // Only the network namespace: the agent's files stay in this test's temp directory.
    { prefix: ["nsenter", "-t", String(host.holderPid), "-n", "--"] },
  );
  await until(() => link.isConnected(hostId));
});
afterAll(async () => {
  if (veth) await setLink("up").catch(() => undefined);
  await agent?.kill("SIGKILL");
  await fleet?.stop();
  if (docker) await removeCreated(docker);
  await bundle?.remove();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe("a lab host's link cut for 20 s", () => {
  it("resumes the log follow with no gap and no duplicate", { timeout: 600_000 }, async () => {
    const container = await runTestContainer(
      docker,
      "i=0; while true; do i=$((i+1)); echo $i; usleep 10000; done",
    );
    const received: number[] = [];
    const resumes: string[] = [];
    const stop = new AbortController();
    const following = (async () => {
      const lines = followLogs(
        link,
        hostId,
        { containerId: container.id, tail: "all" },
        { signal: stop.signal, onResume: (from) => resumes.push(from) },
      );
      try {
        for await (const line of lines) received.push(Number(line.line));
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      }
    })();
    await until(() => received.length >= 200);

    let droppedDuringCut = false;
    let agentNoticedDuringCut = false;
    await setLink("down");
    try {
      const cutEnds = Date.now() + 20_000;
      while (Date.now() < cutEnds) {
        if (!link.isConnected(hostId)) droppedDuringCut = true;
        await sleep(100);
      }
      agentNoticedDuringCut = /disconnected \(.*\); reconnecting in/.test(agent?.output() ?? "");
    } finally {
      await setLink("up");
    }
    const atUp = received.length;
    await until(() => resumes.length >= 1 && received.length >= atUp + 500);
    stop.abort();
    await following;

    // The console's heartbeat found the dead connection while the link was still down.
    expect(droppedDuringCut).toBe(true);
    // The agent's own heartbeat found it too (not only the reset its first packet after the cut got).
    expect(agentNoticedDuringCut, agent?.output()).toBe(true);
    expect(resumes.length).toBeGreaterThanOrEqual(1);
    const firstWrong = received.findIndex((n, index) => n !== index + 1);
    expect(firstWrong, `line ${firstWrong} is ${received[firstWrong]}, not ${firstWrong + 1}`).toBe(-1);
  });

  it("delivers a result the agent kept on disk while the link was down", { timeout: 600_000 }, async () => {
    // SIGTERM is caught and only reported: `docker stop` waits its 5 s, then kills.
    const container = await runTestContainer(
      docker,
      "trap 'echo got-term' TERM; while true; do sleep 0.1; done",
    );
    const spoolDir = join(stateDir, "spool");
    const spooled = async () => (await readdir(spoolDir).catch(() => [])).filter((n) => n.endsWith(".json"));
    let settled = false;
    const stopping = link.call(
      hostId,
      "container.stop",
      { containerId: container.id, timeoutSeconds: 5 },
      { timeoutMs: 600_000 },
    );
    void stopping.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    // The Engine sent SIGTERM: the agent is in the middle of the command.
    await until(async () =>
      (await container.logs({ stdout: true, stderr: true, follow: false })).toString().includes("got-term"),
    );

    let keptDuringCut = false;
    await setLink("down");
    try {
      const cutEnds = Date.now() + 20_000;
      while (Date.now() < cutEnds) {
        if (!keptDuringCut) keptDuringCut = (await spooled()).length > 0;
        await sleep(100);
      }
    } finally {
      await setLink("up");
    }
    // The console dropped the connection but kept waiting for the answer.
    expect(settled).toBe(false);
    await expect(stopping).resolves.toBeNull();
    expect(keptDuringCut, agent?.output()).toBe(true);
    expect((await container.inspect()).State.Running).toBe(false);
    await agent?.waitFor(/delivered the result of .*, kept while disconnected/);
    await until(async () => (await spooled()).length === 0);
  });
});
