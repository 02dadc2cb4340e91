/**
 * Test-only: a host in a test console's inventory with the real agent bundle running for it against
 * the local dockerd, enrolled and connected: what link-level tests of real commands start from.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AgentBundle,
  type AgentProcess,
  buildAgentBundle,
  startAgent,
} from "../../../../agent/src/testing/agent-process.ts";
import { createHost } from "../hosts/service.ts";
import { mintEnrollmentToken } from "../link/enrollment.ts";
import { hostLink } from "../link/store.ts";
import type { TestConsole } from "./console.ts";
import { until } from "./until.ts";

export interface LinkedAgent {
  hostId: string;
  /** The agent's state directory (credential, spool, backups). */
  stateDir: string;
  process: AgentProcess;
  /** Stops the agent by its PID and removes its bundle and state. */
  stop(): Promise<void>;
}

export async function startLinkedAgent(
  fleet: TestConsole,
  name: string,
  /** More of the agent's environment, e.g. DOCKER_HOST to put a watching socket before the Engine. */
  env: Record<string, string> = {},
): Promise<LinkedAgent> {
  const [bundle, stateDir]: [AgentBundle, string] = await Promise.all([
    buildAgentBundle(),
    mkdtemp(join(tmpdir(), "dftest-agent-state-")),
  ]);
  const host = await createHost(fleet.db, { name, hostGroupId: null });
  const { token } = await mintEnrollmentToken(fleet.db, host.id);
  const process = startAgent(bundle.file, {
    DOCKFLEET_CONSOLE_URL: fleet.url,
    DOCKFLEET_STATE_DIR: stateDir,
    DOCKFLEET_ENROLL_TOKEN: token,
    ...env,
  });
  await Promise.race([
    until(() => hostLink(fleet.db).isConnected(host.id)),
    process.exited.then((code) => {
      throw new Error(`the agent exited (${code}) before it connected:\n${process.output()}`);
    }),
  ]);
  return {
    hostId: host.id,
    stateDir,
    process,
    async stop() {
      await process.kill("SIGKILL");
      await Promise.all([bundle.remove(), rm(stateDir, { recursive: true, force: true })]);
    },
  };
}
