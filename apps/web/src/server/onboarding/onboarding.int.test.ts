import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LabHost, labUp } from "../../../../../scripts/lab.ts";
import type { ApiClient } from "../testing/api-client.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { checkHost, uninstallAgent } from "./installer.ts";
import { agentLayout, agentLeftoversCommand } from "./layout.ts";
import { openSsh, type SshSession } from "./ssh.ts";
import type { StepState } from "./steps.ts";

let fleet: TestConsole;
let admin: ApiClient;
let hosts: LabHost[];
let host: LabHost;
let privateKey: string;
let roots: SshSession[];
let root: SshSession;

interface Job {
  status: string;
  hostId: string | null;
  steps: StepState[];
}

/** Every state of the job its stream (onboarding.follow, as the wizard reads it) shows, to the end. */
async function follow(jobId: string): Promise<Job[]> {
  const states: Job[] = [];
  for await (const job of admin.subscribe<Job>("onboarding.follow", { jobId })) states.push(job);
  return states;
}

async function finished(jobId: string): Promise<Job> {
  const last = (await follow(jobId)).at(-1);
  if (!last) throw new Error(`the stream of job ${jobId} showed nothing`);
  return last;
}

const keyAuth = () => ({ kind: "key" as const, privateKey });

beforeAll(async () => {
  const lab = await labUp(3);
  hosts = lab.hosts.slice(0, 3);
  privateKey = await readFile(lab.labKey, "utf8");
  roots = await Promise.all(
    hosts.map((h) => openSsh({ host: h.address, port: h.sshPort, username: "root", privateKey })),
  );
  [, host] = hosts as [LabHost, LabHost];
  [, root] = roots as [SshSession, SshSession];
  fleet = await startTestConsole({
    listenHost: "0.0.0.0",
    agentConsoleUrl: (port) => `http://${lab.gateway}:${port}`,
  });
  admin = await fleet.admin();
});
afterAll(async () => {
  for (const session of roots ?? []) {
    await uninstallAgent(session, await checkHost(session)).catch(() => undefined);
    session.close();
  }
  await fleet?.stop();
});

function start(name: string, fingerprint: string, target: LabHost = host) {
  return admin.must<{ jobId: string; hostId: string }>("mutate", "onboarding.start", {
    name,
    hostGroupId: null,
    address: target.address,
    port: target.sshPort,
    username: "root",
    auth: keyAuth(),
    fingerprint,
  });
}

async function nothingInstalled(): Promise<void> {
  const left = await root.exec(agentLeftoversCommand);
  expect(left.stdout).toBe("");
}

describe("onboarding over SSH", () => {
  it("probes the host key for the user to confirm", async () => {
    const probe = await admin.must<{ fingerprint: string }>("mutate", "onboarding.probe", {
      address: host.address,
      port: host.sshPort,
      username: "root",
      auth: keyAuth(),
    });
    expect(probe.fingerprint).toBe(root.fingerprint);
  });

  it("streams a job only to those who may onboard hosts", async () => {
    const anonymous = fleet.client().subscribe("onboarding.follow", { jobId: "any" });
    await expect(anonymous.next()).rejects.toThrow(/^UNAUTHORIZED: sign in first/);
    const unknown = admin.subscribe("onboarding.follow", { jobId: "no-such-job" });
    await expect(unknown.next()).rejects.toThrow(/^NOT_FOUND: no such onboarding job/);
  });

  it("refuses a wrong SSH password with a clear error", async () => {
    const result = await admin.mutate("onboarding.probe", {
      address: host.address,
      port: host.sshPort,
      username: host.passwordUser,
      auth: { kind: "password", password: "not-the-password" },
    });
    expect(result.ok ? "ok" : result.error.code).toBe("UNAUTHORIZED");
    if (!result.ok) expect(result.error.message).toMatch(/SSH refused the credentials/);
  });

  it("refuses a host whose key is not the confirmed one, audits it, and keeps nothing", async () => {
    const other = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const { jobId, hostId } = await start("dftest-changed-key", other);
    const job = await finished(jobId);
    expect(job.status).toBe("failed");
    const connect = job.steps.find((s) => s.step === "connect");
    expect(connect?.status).toBe("failed");
    expect(connect?.message).toMatch(/host_key_changed/);
    expect(await fleet.db.host.findUnique({ where: { id: hostId } })).toBeNull();
    const audit = await fleet.db.auditEvent.findFirst({
      where: { action: "onboarding.hostKey", result: "denied" },
    });
    expect(audit?.targetId).toBe(jobId);
    await nothingInstalled();
  });

  it("refuses a host without a working Docker, naming the fix, and keeps nothing", async () => {
    const docker = (await root.exec("command -v docker")).stdout.trim();
    await root.exec(`mount --bind /bin/false ${docker}`);
    try {
      const { jobId } = await start("dftest-no-docker", root.fingerprint);
      const job = await finished(jobId);
      const check = job.steps.find((s) => s.step === "check");
      expect(job.status).toBe("failed");
      expect(check?.message).toMatch(/Docker Engine is not running/);
      expect(check?.hint).toMatch(/install Docker Engine/);
      expect(job.steps.find((s) => s.step === "upload")?.status).toBe("pending");
      await nothingInstalled();
    } finally {
      await root.exec(`umount ${docker}`);
    }
  });

  it("onboards the host: every step ok, the agent online with the host's facts", async () => {
    const { jobId, hostId } = await start("dftest-lab-2", root.fingerprint);
    const states = await follow(jobId);
    const job = states.at(-1) as Job;
    expect(job.status).toBe("succeeded");
    // The stream showed the steps while they ran, each moving only forward, and ended with the job.
    const order = ["pending", "running", "ok"];
    for (const step of ["upload", "online"]) {
      const seen = states.map((state) => state.steps.find((s) => s.step === step)?.status ?? "");
      expect(seen, step).toContain("running");
      const ranks = seen.map((status) => order.indexOf(status));
      expect(ranks, step).toEqual([...ranks].sort((a, b) => a - b));
    }
    expect(job.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      "connect:ok",
      "check:ok",
      "upload:ok",
      "start:ok",
      "online:ok",
    ]);
    const record = await fleet.db.host.findUniqueOrThrow({ where: { id: hostId } });
    const dockerVersion = (await root.exec("docker version --format '{{.Server.Version}}'")).stdout.trim();
    expect(record.dockerVersion).toBe(dockerVersion);
    expect(record.agentConnected).toBe(true);
    const ssh = await fleet.db.hostSsh.findUniqueOrThrow({ where: { hostId } });
    expect(ssh.fingerprint).toBe(root.fingerprint);
    expect(ssh.sealedAuth).not.toContain("PRIVATE KEY");
    const env = await root.exec(`stat -c %a ${agentLayout.env}`);
    expect(env.stdout.trim()).toBe("600");
  });

  it("onboards the other lab hosts at the same time, each online with its own facts", async () => {
    const others = [0, 2].map((i) => ({ lab: hosts[i] as LabHost, ssh: roots[i] as SshSession }));
    const jobs = await Promise.all(
      others.map(({ lab, ssh }) => start(`dftest-${lab.name}`, ssh.fingerprint, lab)),
    );
    const results = await Promise.all(jobs.map(({ jobId }) => finished(jobId)));
    const failures = results.flatMap((job) => job.steps.filter((step) => step.status === "failed"));
    expect(failures).toEqual([]);
    expect(results.map((job) => job.status)).toEqual(["succeeded", "succeeded"]);
    const online = await fleet.db.host.findMany({
      where: { name: { startsWith: "dftest-" }, agentConnected: true },
    });
    expect(online.map((h) => h.name).sort()).toEqual([
      "dftest-dockfleet-lab-1",
      "dftest-dockfleet-lab-3",
      "dftest-lab-2",
    ]);
    for (const { lab, ssh } of others) {
      const record = online.find((h) => h.name === `dftest-${lab.name}`);
      const hostname = (await ssh.exec("docker info --format '{{.Name}}'")).stdout.trim();
      expect((record?.facts as { hostname?: string } | null)?.hostname).toBe(hostname);
      expect(record?.cpus).toBeGreaterThan(0);
    }
  });

  it("removing an onboarded host revokes it, uninstalls its agent over SSH and drops it", async () => {
    const record = await fleet.db.host.findUniqueOrThrow({ where: { name: "dftest-lab-2" } });
    const removed = await admin.must<{ uninstalled: boolean; message: string }>("mutate", "hosts.remove", {
      hostId: record.id,
    });
    expect(removed).toEqual({ uninstalled: true, message: `the agent was uninstalled from ${host.address}` });
    expect(await fleet.db.host.findUnique({ where: { id: record.id } })).toBeNull();
    await nothingInstalled();
    const audit = await fleet.db.auditEvent.findFirst({ where: { action: "hosts.remove", result: "ok" } });
    expect(audit?.targetId).toBe(record.id);
  });
});
