/**
 * The bundled agent as a host runs it (plain `node agent.cjs`, no node_modules) against a real
 * console and the real dockerd: enrollment, the credential on disk, doctor, exit codes.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { protocolVersion } from "@dockfleet/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintEnrollmentToken, revokeHostCredentials } from "../../web/src/server/link/enrollment.ts";
import { hostLink } from "../../web/src/server/link/store.ts";
import { startTestConsole, type TestConsole } from "../../web/src/server/testing/console.ts";
import { type AgentBundle, buildAgentBundle, runAgentCommand, startAgent } from "./testing/agent-process.ts";

const run = promisify(execFile);

let console_: TestConsole;
let bundle: AgentBundle;
let stateRoot: string;

beforeAll(async () => {
  [console_, bundle] = await Promise.all([startTestConsole(), buildAgentBundle()]);
  stateRoot = await mkdtemp(join(tmpdir(), "dftest-agent-state-"));
});
afterAll(async () => {
  await console_?.stop();
  await bundle?.remove();
  if (stateRoot) await rm(stateRoot, { recursive: true, force: true });
});

async function until<T>(probe: () => Promise<T> | T): Promise<NonNullable<T>> {
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    await sleep(100);
  }
}

async function dockerInfo(): Promise<{
  ServerVersion: string;
  NCPU: number;
  MemTotal: number;
  KernelVersion: string;
  OperatingSystem: string;
}> {
  const { stdout } = await run("docker", ["info", "--format", "{{json .}}"]);
  return JSON.parse(stdout);
}

describe("the bundled agent", () => {
  it("prints its version", async () => {
    const { code, output } = await runAgentCommand(bundle.file, ["--version"], {});
    expect(code).toBe(0);
    expect(output).toMatch(new RegExp(`^dockfleet-agent 0\\.1\\.0 \\(link protocol ${protocolVersion}\\)`));
  });

  it("refuses to start without settings, naming them, with exit code 78", async () => {
    const missing = await runAgentCommand(bundle.file, [], {});
    expect(missing.code).toBe(78);
    expect(missing.output).toMatch(/DOCKFLEET_CONSOLE_URL/);
    const noToken = await runAgentCommand(bundle.file, [], {
      DOCKFLEET_CONSOLE_URL: console_.url,
      DOCKFLEET_STATE_DIR: join(stateRoot, "empty"),
    });
    expect(noToken.code).toBe(78);
    expect(noToken.output).toMatch(/no credential .* and no DOCKFLEET_ENROLL_TOKEN/);
  });

  it("stops with 78 when its token is refused", async () => {
    const refused = await runAgentCommand(bundle.file, [], {
      DOCKFLEET_CONSOLE_URL: console_.url,
      DOCKFLEET_ENROLL_TOKEN: "dfe_not-a-token",
      DOCKFLEET_STATE_DIR: join(stateRoot, "refused"),
    });
    expect(refused.code).toBe(78);
    expect(refused.output).toMatch(/enrollment refused: unknown enrollment token/);
  });

  it("enrolls, keeps its credential 0600, reports the host's facts and passes doctor", async () => {
    const host = await console_.db.host.create({ data: { name: "bundle-host" } });
    const { token } = await mintEnrollmentToken(console_.db, host.id);
    const stateDir = join(stateRoot, "bundle-host");
    const env = { DOCKFLEET_CONSOLE_URL: console_.url, DOCKFLEET_STATE_DIR: stateDir };
    const agent = startAgent(bundle.file, { ...env, DOCKFLEET_ENROLL_TOKEN: token });
    try {
      await agent.waitFor(/connected to .* as host bundle-host/);
      const credentialFile = join(stateDir, "credential.json");
      expect((await stat(credentialFile)).mode & 0o777).toBe(0o600);
      expect((await stat(stateDir)).mode & 0o777).toBe(0o700);

      const row = await until(() =>
        console_.db.host.findFirst({ where: { id: host.id, agentConnected: true } }),
      );
      const info = await dockerInfo();
      expect(row).toMatchObject({
        agentVersion: "0.1.0",
        dockerVersion: info.ServerVersion,
        cpus: info.NCPU,
        memoryBytes: BigInt(info.MemTotal),
        kernel: info.KernelVersion,
        os: info.OperatingSystem,
      });

      const checked = await runAgentCommand(bundle.file, ["doctor"], env);
      expect(checked.output).toMatch(/ok {4}Docker Engine at unix:\/\/\/var\/run\/docker\.sock: Docker /);
      expect(checked.output).toMatch(/ok {4}console at .*: reachable, healthy/);
      expect(checked.output).toMatch(/ok {4}credential .*: accepted for host bundle-host/);
      expect(checked.code).toBe(0);

      // Revoked: the live connection closes and the agent stops for good, saying why.
      await revokeHostCredentials(console_.db, host.id);
      hostLink(console_.db).disconnect(host.id, 4401, "the host's credential was revoked");
      expect(await agent.exited).toBe(78);
      expect(agent.output()).toMatch(
        /the console refused this host's credential: the host's credential was revoked/,
      );
      const doctorAfter = await runAgentCommand(bundle.file, ["doctor"], env);
      expect(doctorAfter.code).toBe(1);
      expect(doctorAfter.output).toMatch(
        /FAIL {2}credential .*: refused: this host's credential was revoked/,
      );
    } finally {
      await agent.kill();
    }
  });
});
