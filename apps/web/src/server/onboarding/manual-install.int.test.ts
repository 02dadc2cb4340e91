import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream } from "node:stream/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LabHost, labUp } from "../../../../../scripts/lab.ts";
import type { ApiClient } from "../testing/api-client.ts";
import { agentBundlePath, startTestConsole, type TestConsole } from "../testing/console.ts";
import { until } from "../testing/until.ts";
import { agentDownloadPaths, installScript, uninstallCommand } from "./install-script.ts";
import { installContext, uninstallAgent } from "./installer.ts";
import { agentEnvFile, agentInstalledCommand, agentLayout, agentLeftoversCommand } from "./layout.ts";
import type { Removal } from "./removal.ts";
import { openSsh, type SshSession } from "./ssh.ts";

interface Enrollment {
  hostId: string;
  token: string;
  command: string;
}

let fleet: TestConsole;
let admin: ApiClient;
let host: LabHost;
let root: SshSession;
/** The lab bridge's address on this machine, where the lab host reaches the console. */
let gateway: string;
/** The console as the lab host reaches it (and as the install script names it). */
let agentUrl: string;
let proxy: Server | undefined;

const sha256 = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

beforeAll(async () => {
  const lab = await labUp(1);
  const first = lab.hosts[0];
  if (!first) throw new Error("the lab has no host");
  host = first;
  root = await openSsh({
    host: host.address,
    port: host.sshPort,
    username: "root",
    privateKey: await readFile(lab.labKey, "utf8"),
  });
  gateway = lab.gateway;
  fleet = await startTestConsole({
    listenHost: "0.0.0.0",
    agentConsoleUrl: (port) => `http://${lab.gateway}:${port}`,
  });
  agentUrl = `http://${lab.gateway}:${new URL(fleet.url).port}`;
  admin = await fleet.admin();
});
afterAll(async () => {
  proxy?.close();
  if (root) await uninstallAgent(root, await installContext(root)).catch(() => undefined);
  root?.close();
  await fleet?.stop();
});

function enroll(name: string): Promise<Enrollment> {
  return admin.must<Enrollment>("mutate", "hosts.enrollmentToken", { name, hostGroupId: null });
}

async function nothingInstalled(): Promise<void> {
  expect((await root.exec(agentLeftoversCommand)).stdout).toBe("");
}

/** Runs the install command of a new enrollment and waits until the console sees the host online. */
async function installNew(name: string): Promise<Enrollment> {
  const enrollment = await enroll(name);
  const run = await root.exec(enrollment.command);
  expect(run.exitCode, run.stderr).toBe(0);
  await until(async () => {
    const record = await fleet.db.host.findUniqueOrThrow({ where: { id: enrollment.hostId } });
    return record.agentConnected;
  });
  return enrollment;
}

/** A process on the lab host that is gone: no such PID, or a zombie nobody has reaped yet. */
async function gone(pid: string): Promise<boolean> {
  const state = await root.exec(`grep -s '^State:' /proc/${pid}/status; true`);
  return state.stdout === "" || state.stdout.includes("zombie");
}

/** A stand-in for whatever sits between host and console: passes everything on, but alters the agent. */
async function tamperingProxy(): Promise<string> {
  proxy = createServer(async (req, res) => {
    const upstream = await fetch(`${fleet.url}${req.url}`);
    if (req.url === agentDownloadPaths.bundle) {
      const altered = Buffer.concat([Buffer.from(await upstream.arrayBuffer()), Buffer.from("\n//\n")]);
      res.writeHead(upstream.status, { "Content-Length": altered.length }).end(altered);
      return;
    }
    res.writeHead(upstream.status);
    await pipeline(Readable.fromWeb(upstream.body as ReadableStream), res);
  });
  await new Promise<void>((resolve) => proxy?.listen(0, "0.0.0.0", resolve));
  return `http://${gateway}:${(proxy.address() as AddressInfo).port}`;
}

describe("installing the agent by hand with the one-line command", () => {
  let first: Enrollment;

  it("serves the install script with the sha256 of the agent and the Node runtime, and nothing else", async () => {
    const script = await fetch(`${fleet.url}${agentDownloadPaths.script}`);
    expect(script.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await script.text();
    expect(text.startsWith("#!/bin/sh\n")).toBe(true);
    expect(text).toContain(`node_sha256=${await sha256(process.execPath)}`);
    expect(text).toContain(`bundle_sha256=${await sha256(agentBundlePath)}`);
    expect(text).toContain(`default_url='${agentUrl}'`);

    const bundle = await fetch(`${fleet.url}${agentDownloadPaths.bundle}`);
    const bytes = Buffer.from(await bundle.arrayBuffer());
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(await sha256(agentBundlePath));
    const node = await fetch(`${fleet.url}${agentDownloadPaths.node}`, { method: "HEAD" });
    expect(Number(node.headers.get("content-length"))).toBe((await stat(process.execPath)).size);

    for (const path of [
      "/api/agent/download/..%2F..%2Fpackage.json",
      "/api/agent/download/",
      "/api/agent/x",
    ]) {
      expect((await fetch(`${fleet.url}${path}`)).status, path).toBe(404);
    }
    const post = await fetch(`${fleet.url}${agentDownloadPaths.script}`, { method: "POST" });
    expect(post.status).toBe(405);
  });

  it("the command fetches the script and passes the token outside any URL", async () => {
    first = await enroll("dftest-manual");
    expect(first.command).toBe(
      `curl -fsSL '${agentUrl}${agentDownloadPaths.script}' | DOCKFLEET_ENROLL_TOKEN='${first.token}' sh`,
    );
  });

  it("refuses a host of another architecture, or without a Docker socket, before touching it", async () => {
    const foreign = installScript({
      consoleUrl: agentUrl,
      arch: "aarch64",
      nodeSha256: "0".repeat(64),
      bundleSha256: "0".repeat(64),
      enrollTimeoutSeconds: 5,
    });
    const arch = await root.exec(`DOCKFLEET_ENROLL_TOKEN='${first.token}' sh`, { stdin: foreign });
    expect(arch.exitCode).toBe(1);
    expect(arch.stderr).toContain(
      "this host is x86_64, but this console ships the agent's Node runtime for aarch64 only",
    );

    // Inside the lab host's own mount namespace only: its Docker socket is gone from the default path.
    await root.exec("mount --bind /dev/null /var/run/docker.sock");
    try {
      const docker = await root.exec(first.command);
      expect(docker.exitCode).toBe(1);
      expect(docker.stderr).toContain("no Docker socket at /var/run/docker.sock: install Docker Engine");
    } finally {
      await root.exec("umount /var/run/docker.sock");
    }
    await nothingInstalled();
  });

  it("refuses a tampered download with a clear message and installs nothing", async () => {
    const through = await tamperingProxy();
    // DOCKFLEET_CONSOLE_URL (the console as this host reaches it) sends the downloads through the proxy.
    const run = await root.exec(`export DOCKFLEET_CONSOLE_URL=${through}; ${first.command}`);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("downloading the Node runtime");
    expect(run.stderr).toMatch(
      /the agent does not match its sha256 \(expected [0-9a-f]{64}, got [0-9a-f]{64}\): the download was altered or cut short\. Nothing was installed\./,
    );
    await nothingInstalled();
    const record = await fleet.db.host.findUniqueOrThrow({ where: { id: first.hostId } });
    expect(record.enrolledAt).toBeNull();
  });

  it("installs the agent as the SSH installer does; the host comes online with its own facts", async () => {
    const run = await root.exec(first.command);
    expect(run.stderr, run.stdout).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("no systemd: the agent runs under /opt/dockfleet/agent/supervise");
    expect(run.stdout).toContain("sha256 verified");
    expect(run.stdout).toContain("dockfleet: enrolled");

    const online = await until(async () => {
      const record = await fleet.db.host.findUniqueOrThrow({ where: { id: first.hostId } });
      return record.agentConnected && record.dockerVersion ? record : undefined;
    });
    const docker = (await root.exec("docker version --format '{{.Server.Version}}'")).stdout.trim();
    const name = (await root.exec("docker info --format '{{.Name}}'")).stdout.trim();
    expect(online.dockerVersion).toBe(docker);
    expect((online.facts as { hostname?: string } | null)?.hostname).toBe(name);
    expect(online.architecture).toBe("x86_64");

    const modes = await root.exec(
      `stat -c '%a %U %n' ${agentLayout.node} ${agentLayout.bundle} ${agentLayout.env} ${agentLayout.supervisor} ${agentLayout.stateDir}`,
    );
    expect(modes.stdout.trim().split("\n")).toEqual([
      `755 root ${agentLayout.node}`,
      `644 root ${agentLayout.bundle}`,
      `600 root ${agentLayout.env}`,
      `755 root ${agentLayout.supervisor}`,
      `700 root ${agentLayout.stateDir}`,
    ]);
    const env = await root.exec(`cat ${agentLayout.env}`);
    expect(env.stdout).toBe(agentEnvFile({ consoleUrl: agentUrl, enrollToken: first.token }));
    expect((await root.exec(`sha256sum ${agentLayout.node}`)).stdout).toContain(
      await sha256(process.execPath),
    );
  });

  it("running it again with a new token re-enrolls the host, with one agent running", async () => {
    const supervisor = (await root.exec(`cat ${agentLayout.pidFile}`)).stdout.trim();
    const again = await enroll("dftest-manual-again");
    const run = await root.exec(again.command);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain("the Node runtime in /opt/dockfleet/agent is current");

    const credential = JSON.parse((await root.exec(`cat ${agentLayout.credential}`)).stdout);
    expect(credential).toMatchObject({ hostId: again.hostId, hostName: "dftest-manual-again" });
    await until(async () => {
      const record = await fleet.db.host.findUniqueOrThrow({ where: { id: again.hostId } });
      return record.agentConnected;
    });
    // The first agent stopped: its host goes offline, and its supervisor is gone (or a zombie).
    await until(async () => {
      const record = await fleet.db.host.findUniqueOrThrow({ where: { id: first.hostId } });
      return !record.agentConnected;
    });
    const now = (await root.exec(`cat ${agentLayout.pidFile}`)).stdout.trim();
    expect(now).not.toBe(supervisor);
    const old = await root.exec(`grep -s '^State:' /proc/${supervisor}/status; true`);
    expect(old.stdout === "" || old.stdout.includes("zombie")).toBe(true);
  });

  it("a refused token ends the install with the agent's reason and leaves nothing installed", async () => {
    const run = await root.exec(first.command);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/enrollment refused: this enrollment token was already used/);
    expect(run.stderr).toContain("dockfleet: error: the agent stopped before it enrolled");
    expect(run.stderr).toContain("dockfleet: removing the unfinished install");
    await nothingInstalled();
  });

  it("removing a host installed by hand revokes it and says the agent is to be removed there", async () => {
    const removed = await admin.must<Removal>("mutate", "hosts.remove", { hostId: first.hostId });
    expect(removed).toEqual({
      uninstalled: false,
      message:
        "the console has no SSH access to this host (its agent was installed by hand): run the uninstall command there as root",
      uninstallCommand: `curl -fsSL '${agentUrl}${agentDownloadPaths.script}' | sh -s -- --uninstall`,
    });
    expect(await fleet.db.host.findUnique({ where: { id: first.hostId } })).toBeNull();
  });
});

describe("uninstalling an agent installed by hand", () => {
  const backups = agentLayout.backups;
  afterAll(async () => {
    await root?.exec(`rm -rf ${backups}`);
  });

  let installed: Enrollment;

  it("stops the running agent and removes it, keeping the volume backups", async () => {
    installed = await installNew("dftest-manual-uninstall");
    const supervisor = (await root.exec(`cat ${agentLayout.pidFile}`)).stdout.trim();
    const agent = (await root.exec(`cat /proc/${supervisor}/task/${supervisor}/children`)).stdout.trim();
    expect(agent).toMatch(/^\d+$/);
    expect((await root.exec(`tr '\\0' ' ' </proc/${agent}/cmdline`)).stdout).toContain(agentLayout.bundle);
    // A volume backup the agent made: uninstalling must not take it.
    await root.exec(`mkdir -p ${backups} && echo archive > ${backups}/data-1.tar.gz`);

    const run = await root.exec(uninstallCommand(agentUrl));
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe(
      [
        `dockfleet: stopping the agent and removing ${agentLayout.dir} ${agentLayout.configDir} ${agentLayout.stateDir} ${agentLayout.pidFile} ${agentLayout.log}`,
        "dockfleet: the Dockfleet agent is uninstalled",
        `dockfleet: the volume backups it made are kept in ${backups}: delete them once you no longer need them`,
        "",
      ].join("\n"),
    );

    await until(() => gone(agent));
    await until(() => gone(supervisor));
    expect((await root.exec(agentInstalledCommand)).stdout).toBe("");
    expect((await root.exec(agentLeftoversCommand)).stdout).toBe(`${agentLayout.stateDir}\n`);
    expect((await root.exec(`ls -A ${agentLayout.stateDir}; cat ${backups}/data-1.tar.gz`)).stdout).toBe(
      "backups\narchive\n",
    );
    await until(async () => {
      const record = await fleet.db.host.findUniqueOrThrow({ where: { id: installed.hostId } });
      return !record.agentConnected;
    });
  });

  it("the command the console answers when removing the host, run again, finds nothing to remove", async () => {
    const removed = await admin.must<Removal>("mutate", "hosts.remove", { hostId: installed.hostId });
    expect(removed.uninstallCommand).toBe(uninstallCommand(agentUrl));
    const run = await root.exec(removed.uninstallCommand ?? "");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe(
      [
        "dockfleet: nothing to remove: the Dockfleet agent is not installed on this host",
        `dockfleet: the volume backups it made are kept in ${backups}: delete them once you no longer need them`,
        "",
      ].join("\n"),
    );
    expect((await root.exec(`cat ${backups}/data-1.tar.gz`)).stdout).toBe("archive\n");
  });

  it("a stale PID file naming another process: that process is left running", async () => {
    // setsid: the bystander outlives this SSH command, like any other process on the host; it
    // writes its own PID, which `exec` keeps for sleep.
    await root.exec(
      `setsid sh -c 'echo $$ > ${agentLayout.pidFile}; exec sleep 600' </dev/null >/dev/null 2>&1 &`,
    );
    const bystander = await until(async () => (await root.exec(`cat ${agentLayout.pidFile}`)).stdout.trim());
    expect((await root.exec(`cat /proc/${bystander}/cmdline`)).stdout).toMatch(/^sleep/);
    try {
      const run = await root.exec(uninstallCommand(agentUrl));
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toContain(`dockfleet: stopping the agent and removing ${agentLayout.pidFile}\n`);
      expect((await root.exec(`kill -0 ${bystander}`)).exitCode).toBe(0);
      expect((await root.exec(agentInstalledCommand)).stdout).toBe("");
    } finally {
      await root.exec(`kill ${bystander}`);
    }
  });

  it("after an uninstall, a fresh token installs and enrolls the host again", async () => {
    const again = await installNew("dftest-manual-reinstall");
    const credential = JSON.parse((await root.exec(`cat ${agentLayout.credential}`)).stdout);
    expect(credential).toMatchObject({ hostId: again.hostId, hostName: "dftest-manual-reinstall" });
    expect((await root.exec(`cat ${backups}/data-1.tar.gz`)).stdout).toBe("archive\n");

    const run = await root.exec(uninstallCommand(agentUrl));
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain("dockfleet: the Dockfleet agent is uninstalled");
    await until(async () => {
      const record = await fleet.db.host.findUniqueOrThrow({ where: { id: again.hostId } });
      return !record.agentConnected;
    });
  });
});
