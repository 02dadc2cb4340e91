// Starts Dockfleet locally: builds when sources changed, starts an embedded PostgreSQL unless
// DATABASE_URL is set, runs the console (which applies migrations), and stops all of it on Ctrl-C.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { agentNodeArgs } from "../apps/web/src/server/onboarding/layout.ts";
import { type PostgresServer, startPostgres } from "./postgres.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Everything `npm start` keeps between runs: PostgreSQL's data, the console's data dir, the local agent. */
const stateDir = path.resolve(process.env.DOCKFLEET_HOME ?? path.join(root, ".dockfleet"));
const buildOutputs = [path.join(root, "apps/web/.next/BUILD_ID"), path.join(root, "apps/web/dist/main.js")];
const sourceDirs = ["apps/web/src", "apps/web/public", "packages", "prisma"].map((dir) =>
  path.join(root, dir),
);

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "generated") continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function needsBuild(): boolean {
  if (!buildOutputs.every(existsSync)) return true;
  const built = Math.min(...buildOutputs.map((file) => statSync(file).mtimeMs));
  return (
    Math.max(...sourceDirs.map(newestMtime), statSync(path.join(root, "package-lock.json")).mtimeMs) > built
  );
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status})`);
}

async function database(): Promise<{ url: string; server?: PostgresServer }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL };
  const port = Number(process.env.DOCKFLEET_PG_PORT ?? 54320);
  console.log(`Starting PostgreSQL on 127.0.0.1:${port} (data in ${path.join(stateDir, "postgres")})…`);
  const server = await startPostgres({ dataDir: path.join(stateDir, "postgres"), port });
  return { url: server.url, server };
}

/** This machine's own agent: on when a Docker socket is here, unless DOCKFLEET_LOCAL_AGENT=0. */
const agentDir = path.join(stateDir, "agent");
const enrollmentFile = path.join(agentDir, "enrollment-token");

function wantsLocalAgent(): boolean {
  if (process.env.DOCKFLEET_LOCAL_AGENT === "0") return false;
  return Boolean(process.env.DOCKER_HOST) || existsSync("/var/run/docker.sock");
}

/** Resolves with the token the console writes after it starts listening, or fails if it exits first. */
async function enrollmentToken(console_: ChildProcess): Promise<string> {
  while (!existsSync(enrollmentFile)) {
    if (console_.exitCode !== null) throw new Error("the console exited before enrolling the local agent");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const token = readFileSync(enrollmentFile, "utf8").trim();
  rmSync(enrollmentFile);
  return token;
}

function startLocalAgent(port: string, token: string | undefined): ChildProcess {
  console.log(token ? "Enrolling this machine's Docker host…" : "Starting this machine's agent…");
  return spawn(process.execPath, [...agentNodeArgs, path.join(root, "apps/agent/dist/agent.cjs")], {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      DOCKFLEET_CONSOLE_URL: `http://127.0.0.1:${port}`,
      DOCKFLEET_STATE_DIR: agentDir,
      ...(token ? { DOCKFLEET_ENROLL_TOKEN: token } : {}),
    },
  });
}

async function main(): Promise<void> {
  if (needsBuild()) {
    console.log("Building the console…");
    run("npm", ["run", "--silent", "build"]);
  }
  const db = await database();
  const localAgent = wantsLocalAgent();
  const enroll = localAgent && !existsSync(path.join(agentDir, "credential.json"));
  if (localAgent) mkdirSync(agentDir, { recursive: true, mode: 0o700 });
  rmSync(enrollmentFile, { force: true });
  const port = process.env.PORT ?? "3000";
  const console_ = spawn(process.execPath, [path.join(root, "apps/web/dist/main.js")], {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      DOCKFLEET_DATA_DIR: process.env.DOCKFLEET_DATA_DIR ?? path.join(stateDir, "data"),
      ...(enroll ? { DOCKFLEET_LOCAL_ENROLLMENT_FILE: enrollmentFile } : {}),
    },
  });
  let agent: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (agent) await stopChild(agent);
    await stopChild(console_);
    await db.server?.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  console_.on("exit", (code) => void stop(code ?? 1));
  if (localAgent) agent = startLocalAgent(port, enroll ? await enrollmentToken(console_) : undefined);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

main().catch((error: unknown) => {
  console.error(`dockfleet: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
