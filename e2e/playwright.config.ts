import { defineConfig } from "@playwright/test";

/** Port of the console the specs drive; `e2e/serve.ts` starts it on a fresh database. */
export const e2ePort = Number(process.env.DOCKFLEET_E2E_PORT ?? 3100);

export default defineConfig({
  testDir: "specs",
  outputDir: "../test-results",
  // Specs change shared state (users, hosts, containers): one worker, in file order.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  use: {
    baseURL: `http://localhost:${e2ePort}`,
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
  webServer: {
    command: "npx tsx e2e/serve.ts",
    cwd: "..",
    url: `http://localhost:${e2ePort}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
