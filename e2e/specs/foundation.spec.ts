import { expect, test } from "@playwright/test";
import { localHostName } from "../../apps/web/src/server/hosts/local-host.ts";

test.describe("foundation", () => {
  test("the health endpoint checks the database", async ({ request }) => {
    const response = await request.get("/api/health");
    expect(response.status()).toBe(200);
    const health = await response.json();
    expect(health.status).toBe("ok");
    expect(health.database.ok).toBe(true);
  });

  test("a signed-out visitor is sent to the sign-in page", async ({ browser }) => {
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await page.goto("/hosts");
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    await page.getByLabel("Email").fill("nobody@dockfleet.test");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("email or password is wrong")).toBeVisible();
    await context.close();
  });

  test("the start command enrolled this machine's Docker host, which shows online", async ({ page }) => {
    await page.goto("/hosts");
    const row = page.getByTestId("host-row").filter({ hasText: localHostName() });
    await expect(row).toHaveAttribute("data-state", "online", { timeout: 30_000 });
  });
});
