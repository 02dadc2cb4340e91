// The lab end to end: two real hosts (own dockerd, sshd, private files), reached the way the console will, then
// `down` and nothing of the lab left on the machine.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { Client, type ConnectConfig } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Lab, type LabHost, labDown, labUp, readLab } from "./lab.ts";

const run = promisify(execFile);
const HOSTS = 2;
const LAB_ROOT = "/var/lib/dockfleet-lab";

let lab: Lab;

beforeAll(async () => {
  lab = await labUp(HOSTS);
});

// Also after a failure further up; a second down is a no-op.
afterAll(async () => {
  await labDown();
});

function connect(config: ConnectConfig): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once("ready", () => resolve(client));
    client.once("error", reject);
    client.connect({ readyTimeout: 10_000, ...config });
  });
}

async function connectAsRoot(host: LabHost): Promise<Client> {
  return connect({
    host: host.address,
    port: host.sshPort,
    username: "root",
    privateKey: await readFile(lab.labKey),
  });
}

function exec(
  client: Client,
  command: string,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) return reject(err);
      let stdout = "";
      let stderr = "";
      let code: number | null = null;
      channel.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      channel.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      channel.on("exit", (exitCode: number | null) => {
        code = exitCode;
      });
      channel.on("close", () => resolve({ stdout, stderr, code }));
    });
  });
}

function sftpWrite(client: Client, path: string, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.sftp((err, sftp) => {
      if (err) return reject(err);
      sftp.writeFile(path, data, (writeErr) => {
        sftp.end();
        if (writeErr) reject(writeErr);
        else resolve();
      });
    });
  });
}

function sftpRead(client: Client, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.sftp((err, sftp) => {
      if (err) return reject(err);
      sftp.readFile(path, (readErr, data) => {
        sftp.end();
        if (readErr) reject(readErr);
        else resolve(data.toString());
      });
    });
  });
}

/** A PID counts as gone once it exits; PID 1 on these machines reaps orphans late, so zombies are gone too. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function hostAt(index: number): LabHost {
  const host = lab.hosts[index];
  if (!host) throw new Error(`lab has no host #${index + 1}`);
  return host;
}

it("records the hosts it made", () => {
  expect(lab.hosts.map((h) => h.name).slice(0, HOSTS)).toEqual(["dockfleet-lab-1", "dockfleet-lab-2"]);
  expect(lab.hosts.map((h) => h.address).slice(0, HOSTS)).toEqual(["10.213.0.11", "10.213.0.12"]);
});

describe.each([1, 2])("lab host dockfleet-lab-%i", (k) => {
  let host: LabHost;
  let root: Client;

  beforeAll(async () => {
    host = hostAt(k - 1);
    root = await connectAsRoot(host);
  });

  afterAll(() => {
    root?.end();
  });

  it("answers Docker's /_ping on its TCP endpoint", async () => {
    const res = await fetch(`http://${host.address}:2375/_ping`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("OK");
  });

  it("runs root's SSH commands on the host itself, against its own dockerd", async () => {
    const { stdout, code } = await exec(
      root,
      [
        "hostname",
        "ip -4 -o addr show eth0",
        "docker info --format '{{.Name}}'",
        `docker image inspect --format '{{index .Config.Labels "io.dockfleet.test-image"}}' local/busybox:latest`,
      ].join(" && "),
    );
    expect(code).toBe(0);
    const [hostname, eth0, dockerName, imageLabel] = stdout.trim().split("\n");
    expect(hostname).toBe(host.name);
    expect(eth0).toContain(`inet ${host.address}/24`);
    expect(dockerName).toBe(host.name);
    expect(imageLabel).toBe("busybox");
  });

  it("runs containers from the test image", async () => {
    const { stdout, code } = await exec(root, "docker run --rm local/busybox:latest echo hello-from-lab");
    expect(code).toBe(0);
    expect(stdout.trim()).toBe("hello-from-lab");
  });

  it("serves sftp, into files private to this host", async () => {
    const name = `lab-sftp-probe-${randomUUID()}`;
    await sftpWrite(root, `/root/${name}`, "written over sftp");
    expect(await sftpRead(root, `/root/${name}`)).toBe("written over sftp");
    expect((await exec(root, `cat /root/${name}`)).stdout).toBe("written over sftp");
    expect(existsSync(`/root/${name}`)).toBe(false);
    expect(existsSync(`${LAB_ROOT}/h${k}/root/${name}`)).toBe(true);
  });

  it("keeps the agent's directories private", async () => {
    const { code } = await exec(
      root,
      "mkdir -p /etc/dockfleet /var/lib/dockfleet /opt/dockfleet && touch /etc/dockfleet/probe /var/lib/dockfleet/probe /opt/dockfleet/probe",
    );
    expect(code).toBe(0);
    for (const dir of ["/etc/dockfleet", "/var/lib/dockfleet", "/opt/dockfleet"]) {
      expect(existsSync(`${dir}/probe`)).toBe(false);
    }
  });

  it("lets its password user in with the right password only", async () => {
    const user = await connect({ host: host.address, username: host.passwordUser, password: host.password });
    try {
      expect((await exec(user, "id -un")).stdout.trim()).toBe(host.passwordUser);
    } finally {
      user.end();
    }
    await expect(
      connect({ host: host.address, username: host.passwordUser, password: `${host.password}-wrong` }),
    ).rejects.toThrow(/authentication methods failed/);
    expect(readFileSync("/etc/passwd", "utf8")).not.toMatch(new RegExp(`^${host.passwordUser}:`, "m"));
  });

  it("refuses root by password", async () => {
    await expect(connect({ host: host.address, username: "root", password: host.password })).rejects.toThrow(
      /authentication methods failed/,
    );
  });
});

it("down removes everything up made", async () => {
  const before = await readLab();
  const pids = before.hosts.flatMap((h) => [h.holderPid, h.dockerdPid, h.sshdPid]);

  await labDown();

  expect((await run("ip", ["netns", "list"])).stdout).not.toMatch(/dockfleet-lab-/);
  expect((await run("ip", ["-o", "link", "show"])).stdout).not.toMatch(/\bdfl-/);
  expect(pids.filter(isRunning)).toEqual([]);
  expect(existsSync(LAB_ROOT)).toBe(false);
  expect(readFileSync("/proc/mounts", "utf8")).not.toMatch(/dockfleet-lab/);
  // cgroup v2 keeps them at the top, v1 one level down (per hierarchy).
  const cgroupDirs = ["/sys/fs/cgroup", ...readdirSync("/sys/fs/cgroup").map((d) => `/sys/fs/cgroup/${d}`)];
  const labCgroups = cgroupDirs.flatMap((dir) => {
    try {
      return readdirSync(dir).filter((name) => /^dockfleet-lab-\d+$/.test(name));
    } catch {
      return [];
    }
  });
  expect(labCgroups).toEqual([]);
});
