/** dockfleet-agent: runs on each Docker host and keeps it connected to the Dockfleet console. */
import { ConfigError, loadConfig } from "./config.ts";
import { doctor } from "./doctor.ts";
import { exitCodes, FatalError, runAgent } from "./link/agent.ts";
import { agentVersion, protocolVersion } from "./version.ts";

const usage = `Usage: dockfleet-agent [--version | doctor | --help]

Runs the Dockfleet agent: connects this host's Docker Engine to the console.

Settings (environment):
  DOCKFLEET_CONSOLE_URL          the console, e.g. https://dockfleet.example.com (required);
                                 replicas of one console: their URLs, comma-separated
  DOCKFLEET_ENROLL_TOKEN         single-use token from "Add host", needed only for the first start
  DOCKFLEET_STATE_DIR            where the credential is kept (default /var/lib/dockfleet-agent)
  DOCKFLEET_CREDENTIAL_FILE      the credential file (default <state dir>/credential.json)
  DOCKFLEET_CONSOLE_FINGERPRINT  pin the console's TLS certificate (SHA-256, AA:BB:…)
  DOCKER_HOST                    the Docker Engine (default unix:///var/run/docker.sock)

  doctor     checks Docker socket access, console reachability and the credential`;

function log(message: string): void {
  console.log(`dockfleet-agent: ${message}`);
}

async function main(args: string[]): Promise<number> {
  const [command] = args;
  if (command === "--version" || command === "-v" || command === "version") {
    console.log(`dockfleet-agent ${agentVersion} (link protocol ${protocolVersion})`);
    return 0;
  }
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(usage);
    return 0;
  }
  if (command !== undefined && command !== "doctor") {
    console.error(`dockfleet-agent: unknown argument "${command}"\n\n${usage}`);
    return 2;
  }
  const config = loadConfig();
  if (command === "doctor") {
    const checks = await doctor(config);
    for (const check of checks) console.log(`${check.ok ? "ok  " : "FAIL"}  ${check.name}: ${check.detail}`);
    return checks.every((check) => check.ok) ? 0 : 1;
  }
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`received ${signal}, stopping`);
      stop.abort();
    });
  }
  log(`${agentVersion} starting (console ${config.consoleUrl})`);
  await runAgent(config, { log, signal: stop.signal });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`dockfleet-agent: ${message}`);
    process.exit(error instanceof ConfigError || error instanceof FatalError ? exitCodes.config : 1);
  },
);
