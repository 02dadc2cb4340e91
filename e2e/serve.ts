// Starts Dockfleet for the Playwright specs with the README's start command (scripts/start.ts), on a
// fresh database of the DATABASE_URL server and a fresh state dir, so the specs see what a new user
// sees: the one-time setup link (recorded in e2e/.state/setup-url) and this machine's own host.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stateDir = path.join(root, "e2e/.state");
const port = process.env.DOCKFLEET_E2E_PORT ?? "3100";
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) throw new Error("DATABASE_URL is not set: the e2e console needs a PostgreSQL server");
const database = "dockfleet_e2e";

async function freshDatabase(): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${database}`);
  await client.end();
  const url = new URL(adminUrl as string);
  url.pathname = `/${database}`;
  return url.toString();
}

rmSync(stateDir, { recursive: true, force: true });
mkdirSync(stateDir, { recursive: true });
const start = spawn(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "scripts/start.ts")], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
  env: {
    ...process.env,
    DATABASE_URL: await freshDatabase(),
    PORT: port,
    DOCKFLEET_HOME: path.join(stateDir, "home"),
    DOCKFLEET_PUBLIC_URL: `http://localhost:${port}`,
  },
});
start.stdout.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  const setup = chunk.toString().match(/(http\S+\/setup\?token=\S+)/);
  if (setup?.[1]) writeFileSync(path.join(stateDir, "setup-url"), setup[1]);
});
const stop = () => start.kill("SIGTERM");
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
start.on("exit", (code) => process.exit(code ?? 0));
