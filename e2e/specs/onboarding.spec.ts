import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { checkHost, uninstallAgent } from "../../apps/web/src/server/onboarding/installer.ts";
import { openSsh, type SshSession } from "../../apps/web/src/server/onboarding/ssh.ts";
import { labUp } from "../../scripts/lab.ts";

const consolePort = Number(process.env.DOCKFLEET_E2E_PORT ?? 3100);
let root: SshSession | undefined;

test.afterAll(async () => {
  if (root) await uninstallAgent(root, await checkHost(root));
  root?.close();
});

test("Add host over SSH: confirm the fingerprint, watch each step, see the host online", async ({ page }) => {
  test.setTimeout(180_000);
  const lab = await labUp(1);
  const host = lab.hosts[0];
  if (!host) throw new Error("the lab has no host");
  const privateKey = await readFile(lab.labKey, "utf8");
  root = await openSsh({ host: host.address, port: host.sshPort, username: "root", privateKey });

  await page.goto("/hosts");
  await page.getByRole("link", { name: "Add host over SSH" }).click();
  await page.getByLabel("Name in Dockfleet").fill("e2e-ssh-host");
  await page.getByLabel("SSH address").fill(host.address);
  await page.getByLabel("SSH user").fill("root");
  await page.getByLabel("Private key").fill(privateKey);
  await page.getByLabel(/Console URL as this host reaches it/).fill(`http://${lab.gateway}:${consolePort}`);
  await page.getByRole("button", { name: "Connect" }).click();

  // The fingerprint shown is the host's own, as ssh-keygen prints it on the host.
  await expect(page.getByTestId("fingerprint")).toHaveText(root.fingerprint);
  // The steps stream to the page (onboarding.follow over server-sent events); nothing polls the job.
  const polls: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/trpc/onboarding.job")) polls.push(request.url());
  });
  const stream = page.waitForRequest((request) => request.url().includes("/api/trpc/onboarding.follow"));
  await page.getByRole("button", { name: /fingerprint matches/ }).click();
  expect((await stream).headers().accept).toBe("text/event-stream");

  for (const step of ["connect", "check", "upload", "start", "online"]) {
    await expect(page.getByTestId(`step-${step}`)).toHaveAttribute("data-status", "ok", { timeout: 90_000 });
  }
  expect(polls).toEqual([]);
  await page.getByRole("link", { name: "Back to hosts" }).click();
  const row = page.getByTestId("host-row").filter({ hasText: "e2e-ssh-host" });
  await expect(row).toHaveAttribute("data-state", "online");

  // Removing it takes the agent off the host again.
  await row.getByRole("button", { name: "Remove" }).click();
  await page.getByRole("button", { name: "Remove e2e-ssh-host" }).click();
  await expect(row).toHaveCount(0);
  const left = await root.exec("ls -A /opt/dockfleet/agent /etc/dockfleet 2>/dev/null; true");
  expect(left.stdout).toBe("");
});
