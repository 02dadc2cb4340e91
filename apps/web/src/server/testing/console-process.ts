/**
 * Test-only: a console replica in a process of its own (the real HTTP server: API and agent link,
 * no UI) on an existing test database, so a test can kill it like a crash. Run as a script it
 * prints `listening <url>` once ready; `startConsoleProcess` starts it and waits for that line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

export interface ConsoleProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Sends the signal (SIGKILL: a crash) and resolves once it exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const script = fileURLToPath(import.meta.url);
const repositoryRoot = fileURLToPath(new URL("../../../../../", import.meta.url));

/** Starts a replica on `databaseUrl` listening on `listenHost` (a free port); resolves once it serves. */
export function startConsoleProcess(databaseUrl: string, listenHost = "127.0.0.1"): Promise<ConsoleProcess> {
  // tsx as a loader, not its CLI: the CLI runs the script in a grandchild a SIGKILL would miss.
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: repositoryRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, DOCKFLEET_TEST_LISTEN_HOST: listenHost },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const url = text.match(/^listening (\S+)$/m)?.[1];
      if (!url) return;
      child.stdout?.off("data", onData);
      child.stdout?.on("data", (more: Buffer) => {
        text += more.toString();
      });
      resolve({
        url,
        child,
        output: () => text,
        async kill(signal = "SIGTERM") {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`the console process exited (${code}):\n${text}`)));
  });
}

async function main(): Promise<void> {
  const [{ PrismaPg }, { PrismaClient }, { loadConfig }, { createConsoleServer, listen }, { hostLink }] =
    await Promise.all([
      import("@prisma/adapter-pg"),
      import("../../generated/prisma/client.ts"),
      import("../config.ts"),
      import("../http/server.ts"),
      import("../link/store.ts"),
    ]);
  const databaseUrl = process.env.DATABASE_URL ?? "";
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  const config = loadConfig({ DATABASE_URL: databaseUrl, PORT: "3000" });
  const server = createConsoleServer({
    config,
    db,
    ui: (_req, res) => {
      res.statusCode = 404;
      res.end();
    },
  });
  await listen(server, 0, process.env.DOCKFLEET_TEST_LISTEN_HOST ?? "127.0.0.1");
  await hostLink(db).ready();
  console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  process.once("SIGTERM", () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

if (process.argv[1] === script) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
