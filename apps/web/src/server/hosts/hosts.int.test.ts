/**
 * Hosts through the console's real HTTP API with the real agent bundle (plain `node agent.cjs`),
 * the real dockerd and a real PostgreSQL: enrollment, status and facts, containers through the
 * link, RBAC, reconnects with the stored credential, revocation, offline errors.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
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
import { until } from "../testing/until.ts";

const run = promisify(execFile);

let fleet: TestConsole;
let admin: ApiClient;
let bundle: AgentBundle;
let docker: DockerClient;
let stateRoot: string;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  [fleet, bundle, docker] = await Promise.all([startTestConsole(), buildAgentBundle(), connect()]);
  admin = await fleet.admin();
  stateRoot = await mkdtemp(join(tmpdir(), "dftest-hosts-"));
});
afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.kill("SIGKILL")));
  await fleet?.stop();
  if (docker) await removeCreated(docker);
  await bundle?.remove();
  if (stateRoot) await rm(stateRoot, { recursive: true, force: true });
});

interface ListedHost {
  id: string;
  name: string;
  state: "pending" | "online" | "offline" | "revoked";
  lastSeenAt: Date | null;
  agentVersion: string | null;
  dockerVersion: string | null;
  os: string | null;
  kernel: string | null;
  architecture: string | null;
  cpus: number | null;
  memoryBytes: bigint | null;
}

interface Enrollment {
  hostId: string;
  hostName: string;
  token: string;
  expiresAt: Date;
  command: string;
}

/** Polls until `probe` gives something truthy; no time limit (the suite's own timeout applies). */
async function host(name: string): Promise<ListedHost | undefined> {
  const hosts = await admin.must<ListedHost[]>("query", "hosts.list");
  return hosts.find((h) => h.name === name);
}

const untilState = (name: string, state: ListedHost["state"]) =>
  until(async () => {
    const found = await host(name);
    return found?.state === state ? found : undefined;
  });

function agent(stateDir: string, token?: string): AgentProcess {
  const process = startAgent(bundle.file, {
    DOCKFLEET_CONSOLE_URL: fleet.url,
    DOCKFLEET_STATE_DIR: join(stateRoot, stateDir),
    ...(token ? { DOCKFLEET_ENROLL_TOKEN: token } : {}),
  });
  agents.push(process);
  return process;
}

const newUser = (email: string) => fleet.invitedUser(admin, email);

async function inspect(id: string): Promise<Docker.ContainerInspectInfo> {
  const { stdout } = await run("docker", ["inspect", id]);
  return (JSON.parse(stdout) as Docker.ContainerInspectInfo[])[0] as Docker.ContainerInspectInfo;
}

describe("a host added by hand", () => {
  let enrollment: Enrollment;
  let first: AgentProcess;

  it("gets a one-line install command with a single-use token", async () => {
    enrollment = await admin.must<Enrollment>("mutate", "hosts.enrollmentToken", {
      name: "api-host",
      hostGroupId: null,
    });
    expect(enrollment.token).toMatch(/^dfe_/);
    expect(enrollment.command).toBe(
      `curl -fsSL '${fleet.url}/api/agent/install.sh' | DOCKFLEET_ENROLL_TOKEN='${enrollment.token}' sh`,
    );
    expect(enrollment.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    expect(await host("api-host")).toMatchObject({ id: enrollment.hostId, state: "pending" });
  });

  it("comes online with the facts docker info reports", async () => {
    first = agent("api-host", enrollment.token);
    const online = await untilState("api-host", "online");
    const { stdout } = await run("docker", ["info", "--format", "{{json .}}"]);
    const info = JSON.parse(stdout) as Record<string, unknown>;
    expect(online).toMatchObject({
      id: enrollment.hostId,
      agentVersion: "0.1.0",
      dockerVersion: info.ServerVersion,
      os: info.OperatingSystem,
      kernel: info.KernelVersion,
      architecture: info.Architecture,
      cpus: info.NCPU,
      memoryBytes: BigInt(info.MemTotal as number),
    });
    const detail = await admin.must<{ facts: { hostname: string }; state: string }>("query", "hosts.get", {
      hostId: enrollment.hostId,
    });
    expect(detail.facts.hostname).toBe(info.Name);
    expect(detail.state).toBe("online");
  });

  it("refuses the same token a second time", async () => {
    const again = agent("api-host-again", enrollment.token);
    expect(await again.exited).toBe(78);
    expect(again.output()).toMatch(/enrollment refused: this enrollment token was already used/);
  });

  it("refuses an expired token", async () => {
    const late = await admin.must<Enrollment>("mutate", "hosts.enrollmentToken", {
      name: "late-host",
      hostGroupId: null,
    });
    await fleet.db.enrollmentToken.updateMany({
      where: { hostId: late.hostId },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const expired = agent("late-host", late.token);
    expect(await expired.exited).toBe(78);
    expect(expired.output()).toMatch(/enrollment refused: this enrollment token expired at/);
    expect((await host("late-host"))?.state).toBe("pending");
  });

  it("lists and stops containers through the agent", async () => {
    const container = await runTestContainer(docker, "trap 'exit 0' TERM; while true; do sleep 1; done");
    const { Name } = await container.inspect();
    const name = Name.replace(/^\//, "");
    const listed = await admin.must<{ id: string; name: string; state: string }[]>(
      "query",
      "containers.list",
      {
        hostId: enrollment.hostId,
      },
    );
    expect(listed).toContainEqual(expect.objectContaining({ id: container.id, name, state: "running" }));

    await admin.must("mutate", "containers.stop", { hostId: enrollment.hostId, containerId: container.id });
    const stopped = await inspect(container.id);
    expect(stopped.State.Running).toBe(false);
    expect(stopped.State.Status).toBe("exited");

    await admin.must("mutate", "containers.start", { hostId: enrollment.hostId, containerId: name });
    expect((await inspect(container.id)).State.Running).toBe(true);

    const missing = await admin.mutate("containers.stop", {
      hostId: enrollment.hostId,
      containerId: "dftest-none",
    });
    expect(missing.ok ? "ok" : missing.error).toMatchObject({
      code: "NOT_FOUND",
      message: /No such container/i,
    });
  });

  it("forbids a viewer to stop a container, and audits the attempt", async () => {
    const viewer = await newUser("viewer@dockfleet.test");
    await admin.must("mutate", "grants.create", { role: "viewer", userId: viewer.id, hostGroupId: null });
    const container = await runTestContainer(docker, "trap 'exit 0' TERM; while true; do sleep 1; done");
    const visible = await viewer.client.must<{ id: string }[]>("query", "containers.list", {
      hostId: enrollment.hostId,
    });
    expect(visible.map((c) => c.id)).toContain(container.id);

    const denied = await viewer.client.mutate("containers.stop", {
      hostId: enrollment.hostId,
      containerId: container.id,
    });
    expect(denied.ok ? "ok" : denied.error.code).toBe("FORBIDDEN");
    expect((await inspect(container.id)).State.Running).toBe(true);
    const audit = await fleet.db.auditEvent.findFirst({
      where: { action: "containers.stop", result: "denied", actorName: "viewer@dockfleet.test" },
    });
    expect(audit).toMatchObject({
      targetType: "container",
      targetId: container.id,
      hostId: enrollment.hostId,
    });
    const revoke = await viewer.client.mutate("hosts.revoke", { hostId: enrollment.hostId });
    expect(revoke.ok ? "ok" : revoke.error.code).toBe("FORBIDDEN");
  });

  it("runs a command in a container for an operator; a viewer may not open exec", async () => {
    const container = await runTestContainer(docker, "trap 'exit 0' TERM; while true; do sleep 1; done");
    const operator = await newUser("exec-operator@dockfleet.test");
    await admin.must("mutate", "grants.create", { role: "operator", userId: operator.id, hostGroupId: null });
    const ran = await operator.client.must<{ exitCode: number; stdout: string; stderr: string }>(
      "mutate",
      "containers.exec",
      {
        hostId: enrollment.hostId,
        containerId: container.id,
        cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"],
      },
    );
    expect(ran).toMatchObject({ exitCode: 3, stdout: "out\n", stderr: "err\n", truncated: false });

    const viewer = await newUser("exec-viewer@dockfleet.test");
    await admin.must("mutate", "grants.create", { role: "viewer", userId: viewer.id, hostGroupId: null });
    const denied = await viewer.client.mutate("containers.exec", {
      hostId: enrollment.hostId,
      containerId: container.id,
      cmd: ["touch", "/tmp/viewer-was-here"],
    });
    expect(denied.ok ? "ok" : denied.error.code).toBe("FORBIDDEN");
    const check = await operator.client.must<{ exitCode: number }>("mutate", "containers.exec", {
      hostId: enrollment.hostId,
      containerId: container.id,
      cmd: ["test", "-e", "/tmp/viewer-was-here"],
    });
    expect(check.exitCode).toBe(1);
    const audit = await fleet.db.auditEvent.findFirst({
      where: { action: "containers.exec", result: "denied", actorName: "exec-viewer@dockfleet.test" },
    });
    expect(audit).toMatchObject({ targetType: "container", targetId: container.id });
  });

  it("streams a container's log to a viewer over SSE, and refuses users without a grant on the host", async () => {
    const container = await runTestContainer(
      docker,
      "i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.05; done",
    );
    const viewer = await newUser("log-viewer@dockfleet.test");
    await admin.must("mutate", "grants.create", { role: "viewer", userId: viewer.id, hostGroupId: null });
    const abort = new AbortController();
    const received: string[] = [];
    for await (const entry of viewer.client.subscribe<{ line: string; stream: string }>(
      "containers.logs",
      { hostId: enrollment.hostId, containerId: container.id, tail: 0 },
      abort.signal,
    )) {
      received.push(entry.line);
      if (received.length === 20) break;
    }
    abort.abort();
    const numbers = received.map((text) => Number(text.replace("line-", "")));
    const first = numbers[0] ?? 0;
    expect(first).toBeGreaterThan(0);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => first + i));

    const outsider = await newUser("log-outsider@dockfleet.test");
    const group = await admin.must<{ id: string }>("mutate", "hosts.createGroup", {
      name: "dftest-other-group",
    });
    await admin.must("mutate", "grants.create", {
      role: "admin",
      userId: outsider.id,
      hostGroupId: group.id,
    });
    const denied = outsider.client.subscribe("containers.logs", {
      hostId: enrollment.hostId,
      containerId: container.id,
    });
    await expect(denied.next()).rejects.toThrow(/^FORBIDDEN: you lack container:logs on host/);

    const crossOrigin = fleet.client({ origin: "http://evil.example" });
    crossOrigin.cookie = viewer.client.cookie;
    const refused = crossOrigin.subscribe("containers.logs", {
      hostId: enrollment.hostId,
      containerId: container.id,
    });
    await expect(refused.next()).rejects.toThrow(/HTTP 403/);
  });

  it("goes offline when its agent dies and comes back with the stored credential", async () => {
    const credentialsBefore = await fleet.db.agentCredential.count({ where: { hostId: enrollment.hostId } });
    first.child.kill("SIGKILL");
    await first.exited;
    const offline = await untilState("api-host", "offline");
    expect(offline.lastSeenAt).toBeInstanceOf(Date);
    const down = await admin.query("containers.list", { hostId: enrollment.hostId });
    expect(down.ok ? "ok" : down.error).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      message: /api-host is offline/,
    });

    first = agent("api-host"); // no token this time: the credential on disk
    await first.waitFor(/connected to .* as host api-host/);
    const back = await untilState("api-host", "online");
    expect(back.id).toBe(enrollment.hostId);
    expect(await fleet.db.host.count({ where: { name: "api-host" } })).toBe(1);
    expect(await fleet.db.agentCredential.count({ where: { hostId: enrollment.hostId } })).toBe(
      credentialsBefore,
    );
  });

  it("goes offline when its agent stops answering heartbeats, and reconnects when it wakes up", async () => {
    // A stopped process keeps its socket open but answers nothing, like a host behind a cut link.
    first.child.kill("SIGSTOP");
    try {
      const silent = await untilState("api-host", "offline");
      expect(silent.id).toBe(enrollment.hostId);
    } finally {
      first.child.kill("SIGCONT");
    }
    await untilState("api-host", "online");
    await first.waitFor(/disconnected \(.*\); reconnecting in/);
  });

  it("is cut off at once when revoked, and cannot reconnect", async () => {
    const result = await admin.must<{ revokedCredentials: number; disconnected: boolean }>(
      "mutate",
      "hosts.revoke",
      { hostId: enrollment.hostId },
    );
    expect(result).toEqual({ revokedCredentials: 1, disconnected: true });
    expect(await first.exited).toBe(78);
    expect(first.output()).toMatch(/the console refused this host's credential/);
    expect((await host("api-host"))?.state).toBe("revoked");
    const audit = await fleet.db.auditEvent.findFirst({ where: { action: "hosts.revoke", result: "ok" } });
    expect(audit).toMatchObject({ targetType: "host", targetId: enrollment.hostId });

    const retry = agent("api-host");
    expect(await retry.exited).toBe(78);
    expect(retry.output()).toMatch(/refused this host's credential: this host's credential was revoked at/);

    const call = await admin.query("containers.list", { hostId: enrollment.hostId });
    expect(call.ok ? "ok" : call.error).toMatchObject({ code: "SERVICE_UNAVAILABLE", message: /offline/ });
  });

  it("can be enrolled again with a new token, keeping its identity", async () => {
    const renewed = await admin.must<Enrollment>("mutate", "hosts.enrollmentToken", {
      hostId: enrollment.hostId,
    });
    await rm(join(stateRoot, "api-host"), { recursive: true });
    first = agent("api-host", renewed.token);
    const online = await untilState("api-host", "online");
    expect(online.id).toBe(enrollment.hostId);
  });
});
