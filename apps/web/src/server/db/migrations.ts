/**
 * Migrations of the inventory, in-process (no Prisma CLI, no engine binary): apply them like
 * `prisma migrate deploy` and diff them against the schema to write new ones. Used by the
 * console at start, by `npm run db:migrate` / `db:new-migration`, and by tests.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { redactUrl } from "../config.ts";
import { LOCKFILE, LOCKFILE_CONTENT, readMigrationList } from "./migration-files.ts";
import { withSchemaEngine } from "./schema-engine.ts";

/** Any failure of a migration operation; `message` is one line meant for the operator. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(
    message: string,
    /** Prisma's error code when the engine gave one (P3005, P3009, ...). */
    readonly code?: string,
    /** The migration concerned, when known. */
    readonly migration?: string,
  ) {
    super(message);
  }
}

export interface ApplyMigrationsOptions {
  /** Directory holding `<timestamp>_<name>/migration.sql` (e.g. prisma/migrations). */
  migrationsDir: string;
  /** Receives the engine's log lines (JSON). */
  log?: (line: string) => void;
}

export interface ApplyMigrationsResult {
  /** Migrations applied by this call, oldest first; empty when the database was up to date. */
  applied: string[];
}

/**
 * Applies the migrations not yet recorded in `_prisma_migrations`, in name order, like
 * `prisma migrate deploy`: under PostgreSQL advisory lock 72707369 (concurrent callers wait and
 * then find nothing to do), recording each with its sha256 checksum. Idempotent. A migration
 * that fails is rolled back (each runs as one implicit transaction), recorded as failed, and
 * reported as `migration <name> failed: <reason>`; later calls refuse until it is marked rolled
 * back (`markMigrationRolledBack`).
 */
export async function applyMigrations(
  databaseUrl: string,
  options: ApplyMigrationsOptions,
): Promise<ApplyMigrationsResult> {
  const migrationsList = await readMigrationList(options.migrationsDir);
  // Most likely a packaging mistake; applying "nothing" would only fail later, less clearly.
  if (migrationsList.migrationDirectories.length === 0) {
    throw new MigrationError(`no migrations found in ${migrationsList.baseDir}`);
  }
  await checkConnection(databaseUrl);
  const unreadable = migrationsList.migrationDirectories.find(
    (dir) => dir.migrationFile.content.tag === "error",
  );
  if (unreadable) {
    throw new MigrationError(
      `migration ${unreadable.path} is unreadable: ${unreadable.migrationFile.content.value}`,
    );
  }
  return runEngine(databaseUrl, { log: options.log }, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    return { applied: appliedMigrationNames };
  });
}

export interface DiffMigrationOptions {
  migrationsDir: string;
  /** The Prisma schema to migrate to (prisma/schema.prisma). */
  schemaPath: string;
}

/**
 * The SQL that takes a database from the state of `migrationsDir` to `schemaPath`, or "" when
 * they already agree. The migrations are replayed on a temporary shadow database created (and
 * dropped) on the server of `databaseUrl`, whose role must be allowed to CREATE DATABASE.
 */
export async function diffMigration(databaseUrl: string, options: DiffMigrationOptions): Promise<string> {
  await checkConnection(databaseUrl);
  const migrationsList = await readMigrationList(options.migrationsDir);
  const schema = {
    path: path.resolve(options.schemaPath),
    content: await readFile(options.schemaPath, "utf8"),
  };
  return runEngine(databaseUrl, { datamodels: [[schema.path, schema.content]] }, async (engine) => {
    const result = await engine.diff({
      from:
        migrationsList.migrationDirectories.length === 0
          ? { tag: "empty" }
          : // The engine learns the provider from the lockfile; ours is always PostgreSQL.
            { tag: "migrations", ...migrationsList, lockfile: { path: LOCKFILE, content: LOCKFILE_CONTENT } },
      to: { tag: "schemaDatamodel", files: [schema] },
      script: true,
      // Makes the engine tell an empty diff (0) from a real one (2).
      exitCode: true,
      filters: NO_FILTERS,
    });
    return result.exitCode === 2 ? (result.stdout ?? "") : "";
  });
}

/**
 * Marks a failed migration as rolled back so that `applyMigrations` tries it again (after its
 * SQL or the database has been fixed), like `prisma migrate resolve --rolled-back`.
 */
export async function markMigrationRolledBack(databaseUrl: string, migrationName: string): Promise<void> {
  await checkConnection(databaseUrl);
  try {
    await runEngine(databaseUrl, {}, (engine) => engine.markMigrationRolledBack({ migrationName }));
  } catch (error) {
    const { message, code } = error as MigrationError;
    throw new MigrationError(`cannot mark ${migrationName} as rolled back: ${message}`, code, migrationName);
  }
}

const NO_FILTERS = { externalTables: [], externalEnums: [] };

async function runEngine<T>(
  databaseUrl: string,
  options: { datamodels?: [string, string][]; log?: (line: string) => void },
  work: Parameters<typeof withSchemaEngine<T>>[1],
): Promise<T> {
  let applying: string | undefined;
  try {
    return await withSchemaEngine(
      {
        databaseUrl,
        datamodels: options.datamodels,
        log: (line) => {
          applying = /"message":"Applying `([^`]+)`"/.exec(line)?.[1] ?? applying;
          options.log?.(line);
        },
      },
      work,
    );
  } catch (error) {
    throw toMigrationError(error, applying);
  }
}

/** Turns the engine's multi-line errors (message + Rust span trace) into one clear line. */
export function toMigrationError(error: unknown, applying?: string): MigrationError {
  if (error instanceof MigrationError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const code =
    typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : undefined;

  if (code === "P3009") {
    const name = /The `([^`]+)` migration/.exec(raw)?.[1] ?? "?";
    return new MigrationError(
      `migration ${name} failed on an earlier run and is recorded as failed in _prisma_migrations: ` +
        `fix it, then mark it rolled back (npm run db:migrate -- --rolled-back ${name})`,
      code,
      name,
    );
  }
  if (code === "P3005") {
    return new MigrationError(
      "the database is not empty but has no migration history (_prisma_migrations): it was not created " +
        "by these migrations; use an empty database (or baseline it: https://pris.ly/d/migrate-baseline)",
      code,
    );
  }
  // While a migration runs, the engine's error carries its name in a span; the log said it too.
  const migration = raw.includes("apply_migration") ? /migration_name="([^"]+)"/.exec(raw)?.[1] : applying;
  const reason = oneLine(raw);
  if (migration) return new MigrationError(`migration ${migration} failed: ${reason}`, code, migration);
  return new MigrationError(reason, code);
}

function oneLine(raw: string): string {
  const lines: string[] = [];
  for (const line of raw.split("\n")) {
    if (/^\s*\d+: /.test(line) || /^\s+at /.test(line)) break; // the span trace / stack begins
    const text = line
      .trim()
      .replace(/^external connector error$/, "")
      .replace(/^Error querying the database:\s*/, "")
      .replace(/^(ERROR|db error):\s*/, "");
    if (text) lines.push(text);
  }
  return lines.join(" ") || "unknown schema engine error";
}

/** Fails fast, in one line, when the database cannot be reached (the engine's own errors are long). */
async function checkConnection(databaseUrl: string): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(databaseUrl);
  } catch {
    throw new MigrationError(
      "the database URL is not a URL (expected postgresql://user:password@host:port/db)",
    );
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new MigrationError(`the database URL must start with postgresql:// (got ${parsed.protocol}//)`);
  }
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new MigrationError(`cannot connect to ${redactUrl(databaseUrl)}: ${connectionFailure(error)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

function connectionFailure(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return connectionFailure(error.errors[0]);
  const { message, code } = error as { message?: string; code?: string };
  return message || code || String(error);
}
