import { expect, test } from "@playwright/test";

// The uninstall itself runs on a lab host (apps/web/src/server/onboarding/manual-install.int.test.ts);
// here: the page hands the person the command once the host has left the list.
test("removing a host added by hand shows the command that uninstalls its agent there, to copy", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto("/hosts");
  await page.getByLabel("Host name").fill("e2e-removed-host");
  await page.getByRole("button", { name: "Add host" }).click();
  await expect(page.getByTestId("install-command")).toBeVisible();
  await page.getByRole("button", { name: "Done" }).click();

  const row = page.getByTestId("host-row").filter({ hasText: "e2e-removed-host" });
  await row.getByRole("button", { name: "Remove" }).click();
  await page.getByRole("button", { name: "Remove e2e-removed-host" }).click();
  await expect(row).toHaveCount(0);
  await expect(page.getByTestId("removed-host")).toHaveText(
    "e2e-removed-host was removed: the console has no SSH access to this host (its agent was installed by hand): run the uninstall command there as root.",
  );
  const origin = new URL(page.url()).origin;
  const command = `curl -fsSL '${origin}/api/agent/install.sh' | sh -s -- --uninstall`;
  await expect(page.getByTestId("uninstall-command")).toHaveText(command);

  await page.getByRole("button", { name: "Copy command" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(command);
  // The script that command fetches knows the option.
  const script = await page.request.get(`${origin}/api/agent/install.sh`);
  expect(await script.text()).toContain("--uninstall) run_uninstall ;;");

  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("removed-host")).toHaveCount(0);
});
