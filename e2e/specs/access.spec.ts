import { expect, test } from "@playwright/test";
import { viewer } from "../fixtures/accounts.ts";

test.describe.configure({ mode: "serial" });

test("an admin grants a team viewer on a group; its member sees the hosts but no actions", async ({
  page,
  browser,
}) => {
  // Inventory: a group with one host in it.
  await page.goto("/hosts");
  await page.getByLabel("New host group").fill("e2e-prod");
  await page.getByRole("button", { name: "Create group" }).click();
  await expect(page.getByRole("option", { name: "e2e-prod" })).toBeAttached();
  await page.getByLabel("Host name").fill("e2e-web-1");
  await page.getByLabel("Group", { exact: true }).selectOption({ label: "e2e-prod" });
  await page.getByRole("button", { name: "Add host" }).click();
  await expect(page.getByTestId("host-row").filter({ hasText: "e2e-web-1" })).toBeVisible();

  // A user, invited and accepted in another browser.
  await page.goto("/users");
  await page.getByLabel("Email", { exact: true }).fill(viewer.email);
  await page.getByLabel("Name", { exact: true }).fill(viewer.name);
  await page.getByRole("button", { name: "Invite" }).click();
  const inviteUrl = (await page.getByTestId("invite-url").textContent())?.trim() ?? "";
  expect(inviteUrl).toContain("/invite?token=");

  // A team with that user, granted viewer on the group.
  await page.goto("/teams");
  await page.getByLabel("New team").fill("e2e-watchers");
  await page.getByRole("button", { name: "Create team" }).click();
  await page.getByLabel("Add member to e2e-watchers").selectOption({ label: viewer.email });
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByText(viewer.name)).toBeVisible();
  await page.goto("/grants");
  await page.getByLabel("Grant to").selectOption({ label: "e2e-watchers" });
  await page.getByLabel("Role").selectOption("viewer");
  await page.getByLabel("Scope").selectOption({ label: "Host group e2e-prod" });
  await page.getByRole("button", { name: "Grant", exact: true }).click();
  await expect(page.getByRole("cell", { name: "team e2e-watchers" })).toBeVisible();

  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const viewerPage = await context.newPage();
  await viewerPage.goto(inviteUrl);
  await viewerPage.getByLabel("Choose a password").fill(viewer.password);
  await viewerPage.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(viewerPage.getByRole("heading", { name: "Hosts" })).toBeVisible();
  await expect(viewerPage.getByTestId("host-row").filter({ hasText: "e2e-web-1" })).toBeVisible();
  await expect(viewerPage.getByRole("button", { name: "Add host" })).toHaveCount(0);
  await expect(viewerPage.getByRole("button", { name: "Create group" })).toHaveCount(0);
  await expect(viewerPage.getByRole("link", { name: "Users" })).toHaveCount(0);

  // Signing out ends the session; signing in through the form starts a new one.
  await viewerPage.getByRole("button", { name: "Sign out" }).click();
  await expect(viewerPage).toHaveURL(/\/login$/);
  await viewerPage.getByLabel("Email").fill(viewer.email);
  await viewerPage.getByLabel("Password").fill(viewer.password);
  await viewerPage.getByRole("button", { name: "Sign in" }).click();
  await expect(viewerPage.getByTestId("host-row").filter({ hasText: "e2e-web-1" })).toBeVisible();

  // The API denies what the UI hides, and the audit log shows the attempt.
  const denied = await viewerPage.request.post("/api/trpc/hosts.create", {
    data: { json: { name: "sneaky", hostGroupId: null } },
  });
  expect(denied.status()).toBe(403);
  await context.close();

  await page.goto("/audit");
  await page.getByLabel("Result").selectOption("denied");
  const row = page.getByTestId("audit-row").filter({ hasText: "hosts.create" });
  await expect(row).toContainText(viewer.email);
  await expect(page.getByText(/chain intact/)).toBeVisible();
});
