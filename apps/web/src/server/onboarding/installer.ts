/**
 * What onboarding does on a host, step by step, over one SSH session: check it, install the agent
 * (a Node runtime + the bundled agent + its config), start it under systemd or the fallback
 * supervisor, and take all of it away again on failure or removal.
 */
import { DomainError } from "../errors.ts";
import {
  agentEnvFile,
  agentFileModes,
  agentLayout,
  type InitSystem,
  serviceCommands,
  shellQuote,
  shippedArch,
  supervisorScript,
  systemdProbe,
  systemdUnit,
} from "./layout.ts";
import { shippedFile } from "./shipped.ts";
import type { CommandResult, SshSession } from "./ssh.ts";

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

async function run(ssh: SshSession, command: string): Promise<CommandResult> {
  return ssh.exec(command);
}

/** One of layout.ts's root commands, through sudo when the session is not root. */
function asRoot(sudo: string, command: string): string {
  return `${sudo}sh -c ${shellQuote(command)}`;
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
  const systemd = await run(ssh, systemdProbe);
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
  const ours = shippedArch();
  if (arch !== ours) {
    throw new StepError(
      `this host is ${arch}, but this console carries an agent runtime for ${ours} only`,
      `onboard ${arch} hosts from a console built for ${arch}, or install the agent by hand`,
    );
  }
  return { sudo, dockerVersion: docker.stdout.trim(), arch, init: await initSystem(ssh) };
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
  const prepared = await run(ssh, asRoot(sudo, serviceCommands(check.init).prepare));
  if (prepared.exitCode !== 0)
    throw new StepError(
      "could not create the agent's directories",
      "check the disk and permissions",
      outputOf(prepared),
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
  if (!remoteNode.stdout.startsWith((await shippedFile(files.nodeBinary)).sha256)) {
    await place(agentLayout.node, { file: files.nodeBinary }, agentFileModes.node);
  }
  await place(agentLayout.bundle, { file: files.agentBundle }, agentFileModes.bundle);
  await place(agentLayout.env, Buffer.from(agentEnvFile(files)), agentFileModes.env);
  if (check.init === "systemd") await place(agentLayout.unit, Buffer.from(systemdUnit), agentFileModes.unit);
  else await place(agentLayout.supervisor, Buffer.from(supervisorScript), agentFileModes.supervisor);
  if (staging) await run(ssh, `rmdir ${staging}`);
}

export async function startAgent(ssh: SshSession, check: HostCheck): Promise<void> {
  const result = await run(ssh, asRoot(check.sudo, serviceCommands(check.init).start));
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
  await run(ssh, asRoot(check.sudo, serviceCommands(check.init).remove));
}

/** True once the agent has given up for good (exit 78: a refused token), so waiting is pointless. */
export async function agentStopped(
  ssh: SshSession,
  check: Pick<HostCheck, "sudo" | "init">,
): Promise<boolean> {
  return (await run(ssh, asRoot(check.sudo, serviceCommands(check.init).stopped))).exitCode === 0;
}

/** The agent's last log lines, for a step that failed after it started. */
export async function agentLogTail(
  ssh: SshSession,
  check: Pick<HostCheck, "sudo" | "init">,
): Promise<string> {
  return (await run(ssh, asRoot(check.sudo, serviceCommands(check.init).logTail))).stdout;
}
