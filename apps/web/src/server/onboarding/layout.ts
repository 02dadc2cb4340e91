/**
 * Where the agent lives on a host, the service definitions written there, and the root commands
 * that prepare, start, stop and remove it. Both installers (over SSH, and the install script a
 * person runs by hand) are made from these, so either way a host ends up the same.
 */
import { basename } from "node:path";

export const agentLayout = {
  dir: "/opt/dockfleet/agent",
  node: "/opt/dockfleet/agent/node",
  bundle: "/opt/dockfleet/agent/agent.cjs",
  supervisor: "/opt/dockfleet/agent/supervise",
  configDir: "/etc/dockfleet",
  env: "/etc/dockfleet/agent.env",
  stateDir: "/var/lib/dockfleet-agent",
  /** The agent's identity, written once it has enrolled (apps/agent/src/credential.ts). */
  credential: "/var/lib/dockfleet-agent/credential.json",
  /** Volume backups the agent made (apps/agent/src/config.ts): removing the agent keeps them. */
  backups: "/var/lib/dockfleet-agent/backups",
  unit: "/etc/systemd/system/dockfleet-agent.service",
  pidFile: "/run/dockfleet-agent.pid",
  log: "/var/log/dockfleet-agent.log",
} as const;

/** The mode each installed file gets. */
export const agentFileModes = {
  node: 0o755,
  bundle: 0o644,
  env: 0o600,
  unit: 0o644,
  supervisor: 0o755,
} as const;

/** How the agent is kept running: a systemd unit where PID 1 is systemd, else the supervisor below. */
export type InitSystem = "systemd" | "fallback";

/** Exits 0 where systemd runs the host. */
export const systemdProbe = "test -d /run/systemd/system && command -v systemctl >/dev/null";

/** The CPU architecture (as `uname -m` names it) of the Node runtime this console ships: its own. */
export function shippedArch(): string {
  const unameOf: Record<string, string> = { x64: "x86_64", arm64: "aarch64" };
  return unameOf[process.arch] ?? process.arch;
}

/** Single-quoted for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Node flags the agent runs with, each measured in bench/agent-memory.bench.ts (docs/benchmarks.md):
 * a small young generation; V8 sizing its heap for memory rather than speed; and no V8 background
 * threads, each of which kept MBs of compiler and marking scratch in a malloc arena of its own (on
 * the main thread that work reuses memory the process already has). At an agent's load none costs
 * measurable CPU. V8 takes the last two only on the command line, not in NODE_OPTIONS.
 */
export const agentNodeArgs = ["--max-semi-space-size=2", "--optimize-for-size", "--single-threaded"] as const;

/** `agentNodeArgs` for a command line. */
export const agentNodeFlags = agentNodeArgs.join(" ");

/**
 * The agent's environment file, read by Node itself (`--env-file`), never sourced by a shell: its
 * values are written as data (over SFTP, or by printf in the install script, which uses this very
 * text with `%s` for both values as its format).
 */
export function agentEnvFile(settings: { consoleUrl: string; enrollToken: string }): string {
  const line = (name: string, value: string) => {
    if (/[\n\r]/.test(value)) throw new Error(`${name} must be a single line`);
    return `${name}=${value}\n`;
  };
  return (
    line("DOCKFLEET_CONSOLE_URL", settings.consoleUrl) +
    line("DOCKFLEET_ENROLL_TOKEN", settings.enrollToken) +
    line("DOCKFLEET_STATE_DIR", agentLayout.stateDir)
  );
}

export const systemdUnit = `[Unit]
Description=Dockfleet agent
Documentation=https://github.com/dockfleet/dockfleet
After=network-online.target docker.service
Wants=network-online.target

[Service]
ExecStart=${agentLayout.node} ${agentNodeFlags} --env-file=${agentLayout.env} ${agentLayout.bundle}
Restart=always
RestartSec=2
# 78: the agent's settings, token or credential were refused; restarting cannot help.
RestartPreventExitStatus=78
NoNewPrivileges=true
ProtectSystem=full
ReadWritePaths=${agentLayout.stateDir}

[Install]
WantedBy=multi-user.target
`;

/**
 * Where there is no systemd: a small supervisor that restarts the agent with a growing pause, stops
 * it when it is told to stop, and gives up like the systemd unit when the agent exits with 78.
 */
export const supervisorScript = `#!/bin/sh
# Dockfleet agent supervisor (hosts without systemd). Stop it with: kill "$(cat ${agentLayout.pidFile})"
echo $$ > ${agentLayout.pidFile}
child=
# On TERM the agent is stopped and waited for, so whoever stopped the supervisor may start another.
trap '[ -n "$child" ] && kill "$child" 2>/dev/null && wait "$child"; rm -f ${agentLayout.pidFile}; exit 0' TERM INT
pause=1
while :; do
  started=$(date +%s)
  ${agentLayout.node} ${agentNodeFlags} --env-file=${agentLayout.env} ${agentLayout.bundle} &
  child=$!
  wait "$child"
  if [ $? -eq 78 ]; then rm -f ${agentLayout.pidFile}; exit 78; fi
  [ $(( $(date +%s) - started )) -gt 60 ] && pause=1
  sleep "$pause"
  [ "$pause" -lt 30 ] && pause=$((pause * 2))
done
`;

/** The state dir's entry that removing the agent keeps. */
const keptEntry = basename(agentLayout.backups);

const installedPaths = [
  agentLayout.dir,
  agentLayout.configDir,
  agentLayout.stateDir,
  agentLayout.unit,
  agentLayout.pidFile,
  agentLayout.log,
].join(" ");

/**
 * A shell command printing each agent path still holding anything. An empty directory counts as
 * gone: where a path is a mount point (a lab host's private state dir) only its contents can go.
 * `keep` names an entry of the state dir that does not count.
 */
function leftoversCommand(keep: string): string {
  return `for p in ${installedPaths}; do if [ -d "$p" ]; then skip=; [ "$p" = ${agentLayout.stateDir} ] && skip=${shellQuote(keep)}; [ -n "$(ls -A "$p" | grep -vx "$skip")" ] && echo "$p"; elif [ -e "$p" ]; then echo "$p"; fi; done; true`;
}

/** Every agent path still holding anything; empty output once an install is gone without a trace. */
export const agentLeftoversCommand = leftoversCommand("");

/** The same, but the backups an uninstall keeps do not count: empty output means nothing to remove. */
export const agentInstalledCommand = leftoversCommand(keptEntry);

/** Stops a running agent and waits until it is gone (at most 10 s); nothing running is fine. */
const stopCommands: Record<InitSystem, string> = {
  systemd: "systemctl disable --now dockfleet-agent 2>/dev/null; true",
  // The supervisor removes its PID file once its agent has exited. A stale file may name a PID that
  // another process has since been given: only a process running our supervisor is told to stop.
  fallback: `if [ -f ${agentLayout.pidFile} ]; then pid=$(cat ${agentLayout.pidFile}); if tr '\\0' '\\n' 2>/dev/null </proc/"$pid"/cmdline | grep -qx ${agentLayout.supervisor}; then kill "$pid" 2>/dev/null; i=0; while [ -f ${agentLayout.pidFile} ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 10 ]; do sleep 1; i=$((i + 1)); done; fi; fi; true`,
};

/** The root commands that manage the agent under one init system. */
export function serviceCommands(init: InitSystem) {
  const stop = stopCommands[init];
  return {
    /**
     * Before files are placed: an agent already there stops, and forgets its identity so the new
     * token enrolls it again (its backups and spool stay).
     */
    prepare: `${stop}; rm -f ${agentLayout.pidFile} ${agentLayout.credential} && mkdir -p ${agentLayout.dir} ${agentLayout.configDir} ${agentLayout.stateDir} && chmod 0700 ${agentLayout.configDir} ${agentLayout.stateDir}`,
    start:
      init === "systemd"
        ? "systemctl daemon-reload && systemctl enable --now dockfleet-agent"
        : // setsid + redirects: the supervisor outlives the SSH session or the shell that ran this.
          // Started once its PID file is there (5 s at most), so `stopped` below reads it right.
          `setsid ${agentLayout.supervisor} </dev/null >>${agentLayout.log} 2>&1 & i=0; while [ ! -f ${agentLayout.pidFile} ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; [ -f ${agentLayout.pidFile} ]`,
    /** Exits 0 when the agent has given up (exit 78 and no restart), e.g. over a refused token. */
    stopped:
      init === "systemd" ? "systemctl is-failed --quiet dockfleet-agent" : `test ! -f ${agentLayout.pidFile}`,
    /**
     * Stops the agent and removes every file an installer wrote, but the volume backups the agent
     * made (`backups/` stays, and with it the state directory). Safe when nothing is there.
     */
    remove: `${stop}; rm -rf ${agentLayout.dir} ${agentLayout.configDir} ${agentLayout.unit} ${agentLayout.pidFile} ${agentLayout.log}; if [ -d ${agentLayout.stateDir} ]; then find ${agentLayout.stateDir} -mindepth 1 -maxdepth 1 ! -name ${keptEntry} -exec rm -rf {} +; rmdir ${agentLayout.stateDir} 2>/dev/null; fi${init === "systemd" ? "; systemctl daemon-reload" : ""}; true`,
    logTail:
      init === "systemd" ? "journalctl -u dockfleet-agent -n 30 --no-pager" : `tail -n 30 ${agentLayout.log}`,
  };
}
