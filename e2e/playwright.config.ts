import { defineConfig } from "@playwright/test";

/** Port of the console the specs drive; `e2e/serve.ts` starts it on a fresh database. */
const port = Number(process.env.DOCKFLEET_E2E_PORT ?? 3100);
/** The first admin's signed-in browser state, written by the setup project. */
export const adminState = "e2e/.state/admin.json";

export default defineConfig({
  testDir: "specs",
  outputDir: "../test-results",
  // Specs change shared state (users, hosts, containers): one worker, in file order.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  use: {
    baseURL: `http://localhost:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-quic",
      ],
    },
  },
  projects: [
    { name: "setup", testMatch: /first-run\.setup\.ts/ },
    { name: "console", dependencies: ["setup"], use: { storageState: adminState } },
  ],
  webServer: {
    command: "npx tsx e2e/serve.ts",
    cwd: "..",
    url: `http://localhost:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
