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
    const [, consoleUrl = "", token = ""] =
      command.match(
        /^curl -fsSL '(\S+)\/api\/agent\/install\.sh' \| DOCKFLEET_ENROLL_TOKEN='(dfe_[\w-]+)' sh$/,
      ) ?? [];
    expect(consoleUrl).toBe(new URL(page.url()).origin);
    // The script it fetches is served (the install itself runs on a lab host: manual-install.int.test.ts).
    const script = await page.request.get(`${consoleUrl}/api/agent/install.sh`);
    expect(await script.text()).toMatch(/^#!\/bin\/sh\n/);
    const row = page.getByTestId("host-row").filter({ hasText: "e2e-agent-host" });
    await expect(row.getByTestId("host-status")).toHaveText("waiting for agent");

    // The agent the script would install, with the settings it would write.
    agent = startAgent(agentBundle, {
      DOCKFLEET_CONSOLE_URL: consoleUrl,
      DOCKFLEET_ENROLL_TOKEN: token,
      DOCKFLEET_STATE_DIR: stateDir,
    });
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
