/**
 * Onboarding one lab host over SSH end to end, through the console's real API: probe (host key),
 * then start → the job's steps (connect, check, upload the Node runtime + agent.cjs over SFTP,
 * start, online). Baseline in the same run: a bare `ssh root@host true` plus an `scp` of the same
 * two files. The host is `dockfleet-lab-<BENCH_LAB_HOST>` (default 4, which no test uses); every
 * round starts from a host with nothing installed, so the Node runtime is uploaded each time.
 */
import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { checkHost, uninstallAgent } from "../apps/web/src/server/onboarding/installer.ts";
import { openSsh, type SshSession } from "../apps/web/src/server/onboarding/ssh.ts";
import type { StepState } from "../apps/web/src/server/onboarding/steps.ts";
import { agentBundlePath } from "../apps/web/src/server/testing/console.ts";
import { type LabHost, labUp } from "../scripts/lab.ts";
import { agentBundleVersion, benchRun, nowMs, round, startBenchFleet, until } from "./agent-kit.ts";
import { median, writeResult } from "./runtime-kit.ts";

const run = promisify(execFile);
const labIndex = Number(process.env.BENCH_LAB_HOST ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

interface Job {
  status: string;
  hostId: string | null;
  steps: StepState[];
}

interface Round {
  totalMs: number;
  probeMs: number;
  /** From start's answer until the console saw the agent's hello. */
  connectedMs: number;
  steps: Record<string, number>;
  sshMs: number;
  scpMs: number;
}

const lab = await labUp(labIndex);
const host = lab.hosts.find((h) => h.name === `dockfleet-lab-${labIndex}`) as LabHost;
const privateKey = await readFile(lab.labKey, "utf8");
const sshOptions = ["-i", lab.labKey, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"];
for (const option of ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "LogLevel=ERROR"]) {
  sshOptions.push("-o", option);
}
const root: SshSession = await openSsh({
  host: host.address,
  port: host.sshPort,
  username: "root",
  privateKey,
});
const fleet = await startBenchFleet({
  listenHost: "0.0.0.0",
  agentConsoleUrl: (port) => `http://${lab.gateway}:${port}`,
});
const scratch = `/tmp/dftest-bench-${benchRun}`;

const uninstall = async () => uninstallAgent(root, await checkHost(root));

async function baseline(): Promise<{ sshMs: number; scpMs: number }> {
  await root.exec(`mkdir -p ${scratch}`);
  try {
    let start = nowMs();
    await run("ssh", [...sshOptions, "-p", String(host.sshPort), `root@${host.address}`, "true"]);
    const sshMs = nowMs() - start;
    start = nowMs();
    const files = [process.execPath, agentBundlePath];
    await run("scp", [
      ...sshOptions,
      "-P",
      String(host.sshPort),
      "-q",
      ...files,
      `root@${host.address}:${scratch}/`,
    ]);
    return { sshMs, scpMs: nowMs() - start };
  } finally {
    await root.exec(`rm -rf ${scratch}`);
  }
}

async function onboard(admin: Awaited<ReturnType<typeof fleet.console.admin>>, name: string) {
  const address = { address: host.address, port: host.sshPort, username: "root" };
  const auth = { kind: "key" as const, privateKey };
  const started = nowMs();
  const probe = await admin.must<{ fingerprint: string }>("mutate", "onboarding.probe", { ...address, auth });
  const probed = nowMs();
  const { jobId, hostId } = await admin.must<{ jobId: string; hostId: string }>(
    "mutate",
    "onboarding.start",
    {
      name,
      hostGroupId: null,
      ...address,
      auth,
      fingerprint: probe.fingerprint,
    },
  );
  const answered = nowMs();
  let connectedAt = 0;
  void fleet.link.whenConnected(hostId).then(() => {
    connectedAt = nowMs();
  });
  const job = await until(async () => {
    const current = await admin.must<Job>("query", "onboarding.job", { jobId });
    return current.status === "running" ? undefined : current;
  });
  const finished = nowMs();
  if (job.status !== "succeeded") {
    const failed = job.steps.find((s) => s.status === "failed");
    throw new Error(
      `onboarding ${job.status} at ${failed?.step}: ${failed?.message}\n${failed?.output ?? ""}`,
    );
  }
  const steps: Record<string, number> = {};
  for (const step of job.steps) {
    steps[step.step] = Date.parse(step.finishedAt as string) - Date.parse(step.startedAt as string);
  }
  return {
    totalMs: finished - started,
    probeMs: probed - started,
    connectedMs: connectedAt ? connectedAt - answered : Number.NaN,
    steps,
  };
}

try {
  const admin = await fleet.console.admin();
  const results: Round[] = [];
  await uninstall();
  for (let r = 0; r < rounds; r++) {
    // Alternate the order: the first transfer of a round warms the page cache for the second.
    const first = r % 2 === 0 ? "baseline" : "onboarding";
    let base = { sshMs: 0, scpMs: 0 };
    if (first === "baseline") base = await baseline();
    const ours = await onboard(admin, `dftest-bench-onboard-${benchRun}-${r + 1}`);
    await uninstall();
    if (first === "onboarding") base = await baseline();
    results.push({ ...ours, ...base });
    const stepText = Object.entries(ours.steps)
      .map(([step, ms]) => `${step} ${Math.round(ms)}`)
      .join(", ");
    console.log(
      `round ${r + 1}: onboarding ${Math.round(ours.totalMs)} ms (probe ${Math.round(ours.probeMs)}; ${stepText} ms; ` +
        `agent connected ${Math.round(ours.connectedMs)} ms after start); ssh true ${Math.round(base.sshMs)} ms + scp ${Math.round(base.scpMs)} ms`,
    );
  }
  const med = (pick: (row: Round) => number) => Math.round(median(results.map(pick)));
  const steps: Record<string, number> = {};
  for (const step of Object.keys(results[0]?.steps ?? {})) steps[step] = med((row) => row.steps[step] ?? 0);
  const totalMs = med((row) => row.totalMs);
  const baselineMs = med((row) => row.sshMs + row.scpMs);
  await writeResult("agent-onboarding", {
    run: benchRun,
    agentBundle: agentBundleVersion(),
    host: host.name,
    rounds,
    uploadMB: round((statSync(process.execPath).size + statSync(agentBundlePath).size) / 1e6),
    totalMs,
    probeMs: med((row) => row.probeMs),
    steps,
    connectedAfterStartMs: med((row) => row.connectedMs),
    baselineMs,
    sshTrueMs: med((row) => row.sshMs),
    scpMs: med((row) => row.scpMs),
    ratio: round(totalMs / baselineMs, 2),
  });
  console.log(
    `onboarding ${host.name}: ${totalMs} ms end to end (median of ${rounds}) vs ssh true + scp ${baselineMs} ms ` +
      `(${round(totalMs / baselineMs, 2)}×); steps: ${Object.entries(steps)
        .map(([step, ms]) => `${step} ${ms}`)
        .join(", ")} ms`,
  );
} finally {
  await uninstall().catch((error: unknown) => console.error(`uninstall failed: ${error}`));
  await root.exec(`rm -rf ${scratch}`).catch(() => undefined);
  root.close();
  await fleet.stop();
}
