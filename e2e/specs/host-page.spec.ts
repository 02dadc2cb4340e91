import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect, type Page, test } from "@playwright/test";
import { localHostName } from "../../apps/web/src/server/hosts/local-host.ts";

// A container of this machine's dockerd (the start command enrolled it as a host), printing a line
// every 0.2 s. Labelled and named as the tests' own, and removed by name afterwards.
const containerName = `dftest-e2e-${randomBytes(4).toString("hex")}`;
const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
// `docker stop` waits up to 10 s (a shell as PID 1 ignores SIGTERM): a ceiling, not a timing requirement.
const stateChange = { timeout: 45_000 };
// Sweeps come every 2 s once the agent's stream runs; a busy machine may take a while to start it.
const liveData = { timeout: 30_000 };

test.describe.configure({ mode: "serial" });

test.beforeAll(() => {
  docker(
    "run",
    "-d",
    "--name",
    containerName,
    "--label",
    "dockfleet.test=1",
    "local/busybox:latest",
    "sh",
    "-c",
    "i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.2; done",
  );
});

test.afterAll(() => {
  docker("rm", "-f", containerName);
});

async function openLocalHost(page: Page) {
  await page.goto("/hosts");
  await page.getByRole("link", { name: localHostName(), exact: true }).click();
  await expect(page.getByRole("heading", { name: localHostName() })).toBeVisible();
  await expect(page.getByTestId("host-status")).toHaveText("online");
  return page.getByTestId("container-row").filter({ hasText: containerName });
}

/** A call to the console's API as the page's signed-in user (tRPC over HTTP, superjson-encoded). */
async function call<T>(page: Page, path: string, input: unknown): Promise<T> {
  const response = await page.request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).result.data.json as T;
}

/** The `line-N` numbers in the log view, in order (one line per child: their texts run together). */
async function lineNumbers(page: Page): Promise<number[]> {
  const lines = await page.getByRole("log").locator(":scope > div").allTextContents();
  return lines.map((text) => Number(text.match(/line-(\d+)$/)?.[1]));
}

/** The highest `line-N` in the log view so far. */
async function lastLineNumber(page: Page): Promise<number> {
  return Math.max(-1, ...(await lineNumbers(page)));
}

test("the host page lists the container and charts live usage of the host's containers", async ({ page }) => {
  const row = await openLocalHost(page);
  await expect(row).toHaveAttribute("data-state", "running");
  await expect(row).toContainText("local/busybox:latest");
  // Its CPU (known from its second sample on) and memory from the latest sweep.
  await expect(row).toContainText(/\d+\.\d % · [\d.]+ (B|KiB|MiB|GiB)/, liveData);

  const charts = page.getByTestId("resource-charts");
  await expect
    .poll(async () => Number(await charts.getAttribute("data-sweeps")), liveData)
    .toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("chart-Memory").locator("path.recharts-curve").first()).toHaveAttribute(
    "d",
    /^M[\d.]+,[\d.]+L/,
  );
});

const isStats = (request: { url(): string }) => request.url().includes("/api/trpc/containers.stats");

/** What the browser would do when the tab is hidden or shown again. */
async function setVisibility(page: Page, state: "hidden" | "visible") {
  await page.evaluate((visibility) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => visibility });
    document.dispatchEvent(new Event("visibilitychange"));
  }, state);
}

test("a hidden tab stops following the stats, and showing it again resumes", async ({ page }) => {
  await openLocalHost(page);
  const charts = page.getByTestId("resource-charts");
  const sweeps = async () => Number(await charts.getAttribute("data-sweeps"));
  await expect.poll(sweeps, liveData).toBeGreaterThanOrEqual(1);

  const closed = page.waitForEvent("requestfailed", isStats);
  await setVisibility(page, "hidden");
  await closed;
  await expect(page.getByText("paused while this tab is hidden")).toBeVisible();

  const reopened = page.waitForRequest(isStats);
  await setVisibility(page, "visible");
  await reopened;
  const before = await sweeps();
  await expect.poll(sweeps, liveData).toBeGreaterThan(before);
});

// Before the stop/start below, while the log holds one run of the container: its numbers run on.
test("its log goes on after the browser's connection drops, no line lost or repeated", async ({ page }) => {
  const row = await openLocalHost(page);
  await row.getByRole("button", { name: "Logs" }).click();
  await expect(page.getByRole("log")).toContainText(/line-\d+/, liveData);
  // Like a proxy or a console restart: every connection to the console is cut (its sockets
  // aborted), the browser's event stream among them; EventSource reconnects with the last event id.
  const port = new URL(page.url()).port;
  execFileSync("ss", ["-K", "-H", `dport = :${port} and ( dst 127.0.0.1 or dst [::1] )`]);
  await expect(page.getByText(/^Reconnecting…/)).toBeVisible();
  const seen = await lastLineNumber(page);
  await expect.poll(() => lastLineNumber(page), liveData).toBeGreaterThan(seen + 5);
  await expect(page.getByText(/^Following\./)).toBeVisible();
  const numbers = await lineNumbers(page);
  const first = numbers[0] ?? 0;
  expect(numbers).toEqual(numbers.map((_, index) => first + index));
});

test("its log follows, and stopping and starting it shows in the table", async ({ page }) => {
  const row = await openLocalHost(page);
  await row.getByRole("button", { name: "Logs" }).click();
  const log = page.getByRole("log");
  await expect(log).toContainText(/line-\d+/, liveData);
  const seen = await lastLineNumber(page);
  await expect.poll(() => lastLineNumber(page), liveData).toBeGreaterThan(seen);

  await row.getByRole("button", { name: "Stop" }).click();
  await expect(row).toHaveAttribute("data-state", "exited", stateChange);
  await expect(page.getByText("The log ended")).toBeVisible();
  await row.getByRole("button", { name: "Start" }).click();
  await expect(row).toHaveAttribute("data-state", "running", stateChange);
});

test("a host whose agent is not connected says so where its containers and charts would be", async ({
  page,
}) => {
  const { hostId } = await call<{ hostId: string }>(page, "hosts.enrollmentToken", {
    name: containerName,
    hostGroupId: null,
  });
  try {
    let statsRequests = 0;
    page.on("request", (request) => {
      if (isStats(request)) statsRequests += 1;
    });
    await page.goto(`/hosts/${hostId}`);
    await expect(page.getByRole("heading", { name: containerName })).toBeVisible();
    await expect(page.getByTestId("host-status")).toHaveText("waiting for agent");
    // tRPC retries the stats stream, and reports the dropped connection between tries without a
    // reason: after a retry, the page still shows the server's.
    await expect.poll(() => statsRequests).toBeGreaterThanOrEqual(2);
    const offline = `host ${containerName} is offline`;
    await expect(page.getByRole("alert").filter({ hasText: offline })).toHaveCount(2);
    await expect(page.getByRole("alert").filter({ hasText: "Unknown error" })).toHaveCount(0);
  } finally {
    await call(page, "hosts.remove", { hostId });
  }
});

test("a viewer sees the containers and may read a log, but has no actions and no terminal", async ({
  page,
  browser,
}) => {
  const invited = await call<{ user: { id: string }; inviteUrl: string }>(page, "users.invite", {
    email: `${containerName}@dockfleet.test`,
    name: "Host Page Viewer",
  });
  await call(page, "grants.create", { role: "viewer", userId: invited.user.id, hostGroupId: null });
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  try {
    const viewerPage = await context.newPage();
    await viewerPage.goto(invited.inviteUrl);
    await viewerPage.getByLabel("Choose a password").fill("host page viewer password");
    await viewerPage.getByRole("button", { name: "Set password and sign in" }).click();
    await expect(viewerPage.getByRole("heading", { name: "Hosts" })).toBeVisible();
    const row = await openLocalHost(viewerPage);
    await expect(row).toHaveAttribute("data-state", "running");
    await expect(row.getByRole("button", { name: "Logs" })).toBeVisible();
    await expect(row.getByRole("button", { name: "Terminal" })).toHaveCount(0);
    await expect(row.getByRole("button", { name: "Stop" })).toHaveCount(0);
  } finally {
    await context.close();
  }
});

/**
 * Cuts the browser's connections to the console (their sockets aborted, as a proxy or a network
 * drop does), and only those: the local agent's link goes to the same port, and a terminal's shell
 * lives on the agent's stream.
 */
function cutBrowserConnections(port: string) {
  const sockets = execFileSync("ss", ["-tnpH", `dport = :${port} and ( dst 127.0.0.1 or dst [::1] )`], {
    encoding: "utf8",
    stdio: "pipe",
  });
  const browserPorts = sockets
    .split("\n")
    .filter((line) => /users:\(\("chrom/.test(line))
    .map((line) => line.trim().split(/\s+/)[3]?.split(":").at(-1));
  expect(browserPorts.length).toBeGreaterThan(0);
  for (const sport of browserPorts)
    execFileSync("ss", ["-K", "-H", `dport = :${port} and sport = :${sport}`]);
}

test("a terminal runs a shell in the container, goes on after the connection drops, until it exits", async ({
  page,
}) => {
  const row = await openLocalHost(page);
  await row.getByRole("button", { name: "Terminal" }).click();
  const status = page.getByTestId("terminal-status");
  await expect(status).toContainText("Connected");
  const screen = page.getByTestId("terminal");
  const rows = screen.locator(".xterm-rows");
  await screen.click();
  await page.keyboard.type("echo $((6*7)) pid=$$");
  await page.keyboard.press("Enter");
  await expect(rows).toContainText("42");
  const pid = (await rows.textContent())?.match(/42 pid=(\d+)/)?.[1];
  expect(pid).toMatch(/^\d+$/);

  cutBrowserConnections(new URL(page.url()).port);
  await expect(status).toContainText("Reconnecting…");
  await expect(status).toContainText("Connected", liveData);
  // The same shell: its PID is the one it had, and the screen before the drop is still there.
  await page.keyboard.type("echo again=$$");
  await page.keyboard.press("Enter");
  await expect(rows).toContainText(`again=${pid}`);
  await expect(rows).toContainText(`42 pid=${pid}`);

  await page.keyboard.type("exit");
  await page.keyboard.press("Enter");
  await expect(status).toContainText("exited with code 0");
});
