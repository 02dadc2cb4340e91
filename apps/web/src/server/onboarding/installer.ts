/**
 * What onboarding does on a host, step by step, over one SSH session: check it, install the agent
 * (a Node runtime + the bundled agent + its config), start it under systemd or the fallback
 * supervisor, and take all of it away again on failure or removal.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { DomainError } from "../errors.ts";
import { agentEnvFile, agentLayout, supervisorScript, systemdUnit } from "./layout.ts";
import type { CommandResult, SshSession } from "./ssh.ts";

export type InitSystem = "systemd" | "fallback";

export interface HostCheck {
  /** "" when the session is root; "sudo -n " when it may become root without a password. */
  sudo: string;
  dockerVersion: string;
  arch: string;
  init: InitSystem;
}

/** A failed step: what went wrong, the command's output, and what to do about it. */
export class StepError extends DomainError {
  constructor(
    message: string,
    readonly hint: string,
    readonly output = "",
  ) {
    super("invalid", message);
  }
}

const nodeArch: Record<string, string> = { x64: "x86_64", arm64: "aarch64" };

async function run(ssh: SshSession, command: string): Promise<CommandResult> {
  return ssh.exec(command);
}

function outputOf(result: CommandResult): string {
  return `${result.stdout}${result.stderr}`.trim();
}

/** Is the session root, or may it become root? */
async function privilege(ssh: SshSession): Promise<string> {
  const id = await run(ssh, "id -u");
  if (id.stdout.trim() === "0") return "";
  const sudo = await run(ssh, "sudo -n true");
  if (sudo.exitCode === 0) return "sudo -n ";
  throw new StepError(
    "this user is not root and cannot use sudo without a password",
    "connect as root, or give this user passwordless sudo for the install",
    outputOf(sudo),
  );
}

async function initSystem(ssh: SshSession): Promise<InitSystem> {
  const systemd = await run(ssh, "test -d /run/systemd/system && command -v systemctl");
  return systemd.exitCode === 0 ? "systemd" : "fallback";
}

/** What uninstalling needs to know: how to become root and which init runs the agent. */
export async function installContext(ssh: SshSession): Promise<Pick<HostCheck, "sudo" | "init">> {
  return { sudo: await privilege(ssh), init: await initSystem(ssh) };
}

export async function checkHost(ssh: SshSession): Promise<HostCheck> {
  const sudo = await privilege(ssh);
  const docker = await run(ssh, `${sudo}docker version --format '{{.Server.Version}}'`);
  if (docker.exitCode !== 0 || !docker.stdout.trim()) {
    throw new StepError(
      "Docker Engine is not running on this host (or its CLI is missing)",
      "install Docker Engine (e.g. apt-get install docker.io), start it, and retry",
      outputOf(docker),
    );
  }
  const arch = (await run(ssh, "uname -m")).stdout.trim();
  const ours = nodeArch[process.arch] ?? process.arch;
  if (arch !== ours) {
    throw new StepError(
      `this host is ${arch}, but this console carries an agent runtime for ${ours} only`,
      `onboard ${arch} hosts from a console built for ${arch}, or install the agent by hand`,
    );
  }
  return { sudo, dockerVersion: docker.stdout.trim(), arch, init: await initSystem(ssh) };
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

export interface AgentFiles {
  /** The Node runtime to ship (the console's own, same architecture). */
  nodeBinary: string;
  /** apps/agent/dist/agent.cjs */
  agentBundle: string;
  consoleUrl: string;
  enrollToken: string;
}

/**
 * Uploads everything. As a non-root user files go to a private temp dir first and are moved into
 * place with `install`; the Node runtime is skipped when the host already has the same one.
 */
export async function installAgent(ssh: SshSession, check: HostCheck, files: AgentFiles): Promise<void> {
  const { sudo } = check;
  const mkdir = await run(
    ssh,
    `${sudo}mkdir -p ${agentLayout.dir} ${agentLayout.configDir} ${agentLayout.stateDir} && ${sudo}chmod 0700 ${agentLayout.configDir} ${agentLayout.stateDir}`,
  );
  if (mkdir.exitCode !== 0)
    throw new StepError(
      "could not create the agent's directories",
      "check the disk and permissions",
      outputOf(mkdir),
    );
  const staging = sudo ? (await run(ssh, "mktemp -d")).stdout.trim() : "";
  const place = async (target: string, content: Buffer | { file: string }, mode: number) => {
    if (!sudo) return ssh.upload(target, content, mode);
    const temp = `${staging}/${target.split("/").at(-1)}`;
    await ssh.upload(temp, content, 0o600);
    const moved = await run(
      ssh,
      `${sudo}install -m ${mode.toString(8)} -o root -g root ${temp} ${target} && rm -f ${temp}`,
    );
    if (moved.exitCode !== 0)
      throw new StepError(`could not install ${target}`, "check the disk and permissions", outputOf(moved));
  };

  const remoteNode = await run(ssh, `${sudo}sha256sum ${agentLayout.node}`);
  if (!remoteNode.stdout.startsWith(await sha256File(files.nodeBinary))) {
    await place(agentLayout.node, { file: files.nodeBinary }, 0o755);
  }
  await place(agentLayout.bundle, { file: files.agentBundle }, 0o644);
  await place(agentLayout.env, Buffer.from(agentEnvFile(files)), 0o600);
  if (check.init === "systemd") await place(agentLayout.unit, Buffer.from(systemdUnit), 0o644);
  else await place(agentLayout.supervisor, Buffer.from(supervisorScript), 0o755);
  if (staging) await run(ssh, `rmdir ${staging}`);
}

export async function startAgent(ssh: SshSession, check: HostCheck): Promise<void> {
  const { sudo } = check;
  const command =
    check.init === "systemd"
      ? `${sudo}systemctl daemon-reload && ${sudo}systemctl enable --now dockfleet-agent`
      : // setsid + redirects: the supervisor outlives this SSH session.
        `${sudo}sh -c 'setsid ${agentLayout.supervisor} </dev/null >>${agentLayout.log} 2>&1 &'`;
  const result = await run(ssh, command);
  if (result.exitCode !== 0) {
    throw new StepError(
      "the agent service did not start",
      "read the output above; then retry",
      outputOf(result),
    );
  }
}

/** Stops the agent and removes every file the installer wrote. Safe to run when nothing is there. */
export async function uninstallAgent(
  ssh: SshSession,
  check: Pick<HostCheck, "sudo" | "init">,
): Promise<void> {
  const { sudo } = check;
  const stop =
    check.init === "systemd"
      ? `${sudo}systemctl disable --now dockfleet-agent 2>/dev/null; true`
      : `if [ -f ${agentLayout.pidFile} ]; then ${sudo}kill "$(cat ${agentLayout.pidFile})" 2>/dev/null; fi; true`;
  await run(ssh, stop);
  await run(
    ssh,
    `${sudo}rm -rf ${agentLayout.dir} ${agentLayout.configDir} ${agentLayout.stateDir} ${agentLayout.unit} ${agentLayout.pidFile}`,
  );
  if (check.init === "systemd") await run(ssh, `${sudo}systemctl daemon-reload`);
}
