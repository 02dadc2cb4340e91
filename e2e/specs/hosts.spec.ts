import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { type AgentProcess, startAgent } from "../../apps/agent/src/testing/agent-process.ts";

// The bundle `npm run build` made (specs run from the repository root, like the setup project):
// hosts run exactly this file with plain node.
const agentBundle = join(process.cwd(), "apps/agent/dist/agent.cjs");
// A ceiling for the agent's start, enrollment and the page's next poll, not a timing requirement.
const agentStart = { timeout: 60_000 };

test.describe.configure({ mode: "serial" });

test("a host added by hand turns online in the hosts page, and revoking it cuts its agent off", async ({
  page,
}) => {
  const stateDir = await mkdtemp(join(tmpdir(), "dftest-e2e-agent-"));
  let agent: AgentProcess | undefined;
  try {
    await page.goto("/hosts");
    await page.getByLabel("Host name").fill("e2e-agent-host");
    await page.getByRole("button", { name: "Add host" }).click();
    const command = (await page.getByTestId("install-command").textContent()) ?? "";
    const env = Object.fromEntries(
      [...command.matchAll(/(DOCKFLEET_[A-Z_]+)='([^']*)'/g)].map((match) => [match[1], match[2]]),
    ) as Record<string, string>;
    expect(env.DOCKFLEET_ENROLL_TOKEN).toMatch(/^dfe_/);
    expect(command).toMatch(/ node --max-semi-space-size=2 agent\.cjs$/);
    const row = page.getByTestId("host-row").filter({ hasText: "e2e-agent-host" });
    await expect(row.getByTestId("host-status")).toHaveText("waiting for agent");

    // Run the install command's settings, as a person on the host would.
    agent = startAgent(agentBundle, { ...env, DOCKFLEET_STATE_DIR: stateDir });
    await expect(row.getByTestId("host-status"), agent.output()).toHaveText("online", agentStart);
    await expect(row).toContainText(/\d+\.\d+\.\d+/); // the Docker version it reported
    await expect(row).toContainText("0.1.0");

    await row.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("button", { name: "Revoke e2e-agent-host" }).click();
    await expect(row.getByTestId("host-status")).toContainText("revoked");
    expect(await agent.exited, agent.output()).toBe(78);
  } finally {
    await agent?.kill("SIGKILL");
    await rm(stateDir, { recursive: true, force: true });
  }
});
