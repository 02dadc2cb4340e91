import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labUp } from "../../../../../scripts/lab.ts";
import { until } from "../testing/until.ts";
import {
  checkHost,
  type HostCheck,
  installAgent,
  StepError,
  startAgent,
  uninstallAgent,
} from "./installer.ts";
import { agentLayout, agentLeftoversCommand } from "./layout.ts";
import { openSsh, type SshSession } from "./ssh.ts";

// A stand-in for the agent bundle: proves the installed runtime runs it with the env file's settings.
const standIn = `require("node:fs").writeFileSync(process.env.DOCKFLEET_STATE_DIR + "/alive", process.env.DOCKFLEET_CONSOLE_URL + " " + process.pid);
setInterval(() => {}, 1000);`;

let ssh: SshSession;
let check: HostCheck;
let scratch: string;

beforeAll(async () => {
  const lab = await labUp(1);
  const host = lab.hosts[0];
  if (!host) throw new Error("the lab has no host");
  ssh = await openSsh({
    host: host.address,
    port: host.sshPort,
    username: "root",
    privateKey: await readFile(lab.labKey, "utf8"),
  });
  scratch = await mkdtemp(path.join(tmpdir(), "dftest-installer-"));
});
afterAll(async () => {
  if (check) await uninstallAgent(ssh, check);
  ssh?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe("the installer on a lab host", () => {
  it("finds Docker, the architecture and no systemd", async () => {
    check = await checkHost(ssh);
    expect(check.sudo).toBe("");
    expect(check.dockerVersion).toMatch(/^\d+\.\d+/);
    expect(check.arch).toBe("x86_64");
    expect(check.init).toBe("fallback");
  });

  it("installs, starts under the supervisor, restarts a dead agent, and uninstalls without a trace", async () => {
    const bundle = path.join(scratch, "agent.cjs");
    await writeFile(bundle, standIn);
    await installAgent(ssh, check, {
      nodeBinary: process.execPath,
      agentBundle: bundle,
      consoleUrl: "http://10.213.0.1:3000/?a=1&b=$(reboot)",
      enrollToken: "token-value",
    });
    const modes = await ssh.exec(
      `stat -c '%a %n' ${agentLayout.env} ${agentLayout.node} ${agentLayout.stateDir}`,
    );
    expect(modes.stdout).toContain(`600 ${agentLayout.env}`);
    expect(modes.stdout).toContain(`755 ${agentLayout.node}`);
    expect(modes.stdout).toContain(`700 ${agentLayout.stateDir}`);

    await startAgent(ssh, check);
    const alive = `${agentLayout.stateDir}/alive`;
    const first = await until(async () => {
      const read = await ssh.exec(`cat ${alive} 2>/dev/null`);
      return read.stdout ? read.stdout : undefined;
    });
    // The URL arrives as data: the shell-looking part was not executed, the value is intact.
    expect(first).toMatch(/^http:\/\/10\.213\.0\.1:3000\/\?a=1&b=\$\(reboot\) \d+$/);

    const firstPid = first.split(" ").at(-1);
    await ssh.exec(`rm ${alive}; kill ${firstPid}`);
    const second = await until(async () => {
      const read = await ssh.exec(`cat ${alive} 2>/dev/null`);
      return read.stdout ? read.stdout : undefined;
    });
    expect(second.split(" ").at(-1)).not.toBe(firstPid);

    const supervisorPid = (await ssh.exec(`cat ${agentLayout.pidFile}`)).stdout.trim();
    // A volume backup the agent made: uninstalling must not take it.
    const backups = `${agentLayout.stateDir}/backups`;
    await ssh.exec(`mkdir -p ${backups} && echo archive > ${backups}/data-1.tar.gz`);
    await uninstallAgent(ssh, check);
    expect((await ssh.exec(agentLeftoversCommand)).stdout.trim()).toBe(agentLayout.stateDir);
    expect((await ssh.exec(`ls -A ${agentLayout.stateDir}; cat ${backups}/data-1.tar.gz`)).stdout).toBe(
      "backups\narchive\n",
    );
    await ssh.exec(`rm -rf ${agentLayout.stateDir}`);
    const left = await ssh.exec(agentLeftoversCommand);
    expect(left.stdout).toBe("");
    await until(async () =>
      (await ssh.exec(`kill -0 ${supervisorPid} 2>/dev/null`)).exitCode !== 0 ? true : undefined,
    );
    const secondPid = second.split(" ").at(-1);
    await until(async () =>
      (await ssh.exec(`kill -0 ${secondPid} 2>/dev/null`)).exitCode !== 0 ? true : undefined,
    );
  });

  it("refuses a host whose Docker does not answer, naming the fix", async () => {
    const docker = (await ssh.exec("command -v docker")).stdout.trim();
    // Inside the lab host's private mount namespace only: the docker CLI now fails like a missing one.
    await ssh.exec(`mount --bind /bin/false ${docker}`);
    try {
      const error = await checkHost(ssh).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StepError);
      expect((error as StepError).message).toMatch(/Docker Engine is not running/);
      expect((error as StepError).hint).toMatch(/install Docker Engine/);
    } finally {
      await ssh.exec(`umount ${docker}`);
    }
  });
});
