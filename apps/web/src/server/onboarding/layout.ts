/** Where the agent lives on a host, and the service definitions the installer writes there. */

export const agentLayout = {
  dir: "/opt/dockfleet/agent",
  node: "/opt/dockfleet/agent/node",
  bundle: "/opt/dockfleet/agent/agent.cjs",
  supervisor: "/opt/dockfleet/agent/supervise",
  configDir: "/etc/dockfleet",
  env: "/etc/dockfleet/agent.env",
  stateDir: "/var/lib/dockfleet-agent",
  unit: "/etc/systemd/system/dockfleet-agent.service",
  pidFile: "/run/dockfleet-agent.pid",
  log: "/var/log/dockfleet-agent.log",
} as const;

/**
 * Node flags the agent runs with: a small young generation keeps a streaming agent's memory within
 * budget (measured in bench/agent-memory.bench.ts) at no cost in CPU.
 */
export const agentNodeFlags = "--max-semi-space-size=2";

/**
 * The agent's environment file, read by Node itself (`--env-file`), never sourced by a shell: its
 * values are written as data over SFTP.
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
NoNewPrivileges=true
ProtectSystem=full
ReadWritePaths=${agentLayout.stateDir}

[Install]
WantedBy=multi-user.target
`;

/**
 * Where there is no systemd: a small supervisor that restarts the agent with a growing pause and
 * stops it when it is told to stop.
 */
export const supervisorScript = `#!/bin/sh
# Dockfleet agent supervisor (hosts without systemd). Stop it with: kill "$(cat ${agentLayout.pidFile})"
echo $$ > ${agentLayout.pidFile}
child=
trap '[ -n "$child" ] && kill "$child" 2>/dev/null; rm -f ${agentLayout.pidFile}; exit 0' TERM INT
pause=1
while :; do
  started=$(date +%s)
  ${agentLayout.node} ${agentNodeFlags} --env-file=${agentLayout.env} ${agentLayout.bundle} &
  child=$!
  wait "$child"
  [ $(( $(date +%s) - started )) -gt 60 ] && pause=1
  sleep "$pause"
  [ "$pause" -lt 30 ] && pause=$((pause * 2))
done
`;

/**
 * A shell command printing each agent path still holding anything. An empty directory counts as
 * gone: where a path is a mount point (a lab host's private state dir) only its contents can go.
 */
export const agentLeftoversCommand = `for p in ${agentLayout.dir} ${agentLayout.configDir} ${agentLayout.stateDir} ${agentLayout.unit} ${agentLayout.pidFile}; do if [ -d "$p" ]; then [ -n "$(ls -A "$p")" ] && echo "$p"; elif [ -e "$p" ]; then echo "$p"; fi; done; true`;
