import { readFileSync } from "node:fs";
import { expect, test as setup } from "@playwright/test";
import { admin } from "../fixtures/accounts.ts";
import { adminState } from "../playwright.config.ts";

setup("the first admin is created through the one-time setup link", async ({ page }) => {
  const setupUrl = readFileSync("e2e/.state/setup-url", "utf8").trim();
  await page.goto("/login");
  await expect(page.getByText("No admin exists yet")).toBeVisible();

  await page.goto(setupUrl);
  await page.getByLabel("Your name").fill(admin.name);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Create admin account" }).click();
  await expect(page.getByRole("heading", { name: "Hosts" })).toBeVisible();
  await page.context().storageState({ path: adminState });

  // The link is single-use: setup is closed now.
  const again = await page.context().newPage();
  await again.goto(setupUrl);
  await expect(again.getByText("Setup is done")).toBeVisible();
});
