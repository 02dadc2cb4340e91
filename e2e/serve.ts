// Starts the built console for the Playwright specs on a fresh database of the DATABASE_URL server,
// and records the first-run setup link it prints in e2e/.state/setup-url.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
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

mkdirSync(stateDir, { recursive: true });
const consoleProcess = spawn(process.execPath, [path.join(root, "apps/web/dist/main.js")], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
  env: {
    ...process.env,
    DATABASE_URL: await freshDatabase(),
    PORT: port,
    DOCKFLEET_DATA_DIR: path.join(stateDir, "data"),
    DOCKFLEET_PUBLIC_URL: `http://localhost:${port}`,
  },
});
consoleProcess.stdout.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  const setup = chunk.toString().match(/(http\S+\/setup\?token=\S+)/);
  if (setup?.[1]) writeFileSync(path.join(stateDir, "setup-url"), setup[1]);
});
const stop = () => consoleProcess.kill("SIGTERM");
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
consoleProcess.on("exit", (code) => process.exit(code ?? 0));
