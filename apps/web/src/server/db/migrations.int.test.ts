import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { writeMigration } from "./migration-files.ts";
import { applyMigrations, diffMigration, MigrationError, markMigrationRolledBack } from "./migrations.ts";
import {
  adminDatabaseUrl,
  createTestDatabase,
  MIGRATIONS_DIR,
  SCHEMA_PATH,
  type TestDatabase,
} from "./testing.ts";

const root = fileURLToPath(new URL("../../../../../", import.meta.url));
const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false });
  databases.push(db);
  return db;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dockfleet-migrations-"));
  tempDirs.push(dir);
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function committedMigrations(): Promise<string[]> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("applyMigrations", () => {
  it("applies every migration to an empty database and records it like migrate deploy", async () => {
    const db = await emptyDatabase();
    const started = performance.now();
    const { applied } = await applyMigrations(db.url, { migrationsDir: MIGRATIONS_DIR });
    console.info(`applyMigrations on an empty database: ${Math.round(performance.now() - started)} ms`);

    const names = await committedMigrations();
    expect(names.length).toBeGreaterThan(0);
    expect(applied).toEqual(names);
    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      applied_steps_count: number;
    }>(db.url, "SELECT * FROM _prisma_migrations ORDER BY migration_name");
    expect(rows.map((row) => row.migration_name)).toEqual(names);
    for (const row of rows) {
      const sql = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("is a no-op the second time", async () => {
    const db = await emptyDatabase();
    await applyMigrations(db.url, { migrationsDir: MIGRATIONS_DIR });
    const before = await query(db.url, "SELECT id, finished_at FROM _prisma_migrations ORDER BY id");

    const { applied } = await applyMigrations(db.url, { migrationsDir: MIGRATIONS_DIR });

    expect(applied).toEqual([]);
    expect(await query(db.url, "SELECT id, finished_at FROM _prisma_migrations ORDER BY id")).toEqual(before);
  });

  it("lets concurrent callers wait for each other (advisory lock) so each migration runs once", async () => {
    const db = await emptyDatabase();
    const results = await Promise.all(
      [1, 2, 3].map(() => applyMigrations(db.url, { migrationsDir: MIGRATIONS_DIR })),
    );

    const names = await committedMigrations();
    expect(results.map((result) => result.applied).sort((a, b) => b.length - a.length)).toEqual([
      names,
      [],
      [],
    ]);
    const rows = await query<{ count: string }>(db.url, "SELECT count(*) FROM _prisma_migrations");
    expect(Number(rows[0]?.count)).toBe(names.length);
  });

  it("names the migration that fails, leaves nothing of it behind, and resumes once it is fixed", async () => {
    const db = await emptyDatabase();
    const dir = await tempDir();
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const broken = "29990101000000_broken";
    await writeMigration(dir, broken, 'CREATE TABLE "Partial" (id INT);\nSELEC 1;\n');

    const failure = await applyMigrations(db.url, { migrationsDir: dir }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).message).toBe(
      `migration ${broken} failed: syntax error at or near "SELEC"`,
    );
    expect((failure as MigrationError).migration).toBe(broken);
    // One implicit transaction per migration: its first statement is gone too.
    expect(await query(db.url, `SELECT to_regclass('"Partial"') AS t`)).toEqual([{ t: null }]);

    // Like migrate deploy: a recorded failure blocks later runs until it is resolved.
    await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toThrow(
      `migration ${broken} failed on an earlier run`,
    );
    await writeFile(path.join(dir, broken, "migration.sql"), 'CREATE TABLE "Partial" (id INT);\n');
    await markMigrationRolledBack(db.url, broken);
    expect((await applyMigrations(db.url, { migrationsDir: dir })).applied).toEqual([broken]);
  });

  it("refuses a migrations directory without migrations (a packaging mistake)", async () => {
    const db = await emptyDatabase();
    const missing = path.join(await tempDir(), "migrations");
    await expect(applyMigrations(db.url, { migrationsDir: missing })).rejects.toThrow(
      `no migrations found in ${missing}`,
    );
  });

  it("gives a one-line error without the password for a database it cannot reach", async () => {
    const unreachable = "postgresql://dockfleet:s3cret@127.0.0.1:1/nowhere";
    const failure = await applyMigrations(unreachable, { migrationsDir: MIGRATIONS_DIR }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(MigrationError);
    const { message } = failure as MigrationError;
    expect(message).toMatch(
      /^cannot connect to postgresql:\/\/dockfleet:\*\*\*@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/,
    );
    expect(message).not.toContain("\n");
    expect(message).not.toContain("s3cret");

    const missing = new URL(adminDatabaseUrl());
    missing.pathname = "/dockfleet_no_such_database";
    await expect(applyMigrations(missing.toString(), { migrationsDir: MIGRATIONS_DIR })).rejects.toThrow(
      /: database "dockfleet_no_such_database" does not exist$/,
    );
    await expect(applyMigrations("not a url", { migrationsDir: MIGRATIONS_DIR })).rejects.toThrow(
      "the database URL is not a URL",
    );
  });
});

describe("npm run db:migrate", () => {
  const run = (databaseUrl: string) =>
    spawnSync(process.execPath, ["--import", "tsx", "scripts/db/migrate.ts"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: databaseUrl },
      timeout: 60_000,
    });

  it("migrates and then exits at once (nothing keeps the process alive)", async () => {
    const db = await emptyDatabase();
    const started = performance.now();
    const result = run(db.url);
    const seconds = (performance.now() - started) / 1000;
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^applied \d+ migrations? in \d+ ms: /);
    // The engine's 10 s timer used to hold the process that long after its work.
    expect(seconds).toBeLessThan(8);
  });

  it("prints one line and no stack for a bad DATABASE_URL", () => {
    const result = run("postgresql://dockfleet:s3cret@127.0.0.1:1/nowhere");
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^db:migrate: cannot connect to postgresql:\/\/dockfleet:\*\*\*@127\.0\.0\.1:1\/nowhere: /,
      ),
    ]);
  });
});

describe("the Prisma client on a migrated database", () => {
  it("creates and reads the Instance row", async () => {
    const db = await createTestDatabase();
    databases.push(db);

    const created = await db.prisma.instance.create({ data: {} });
    expect(created.id).toBe(1);
    expect(created.installationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(await db.prisma.instance.findUnique({ where: { id: 1 } })).toEqual(created);
    // The row is a singleton.
    await expect(db.prisma.instance.create({ data: {} })).rejects.toThrow(/Unique constraint/);
  });
});

describe("diffMigration", () => {
  it("finds prisma/schema.prisma and prisma/migrations in agreement (run db:new-migration if not)", async () => {
    expect(
      await diffMigration(adminDatabaseUrl(), { migrationsDir: MIGRATIONS_DIR, schemaPath: SCHEMA_PATH }),
    ).toBe("");
  });

  it("writes SQL for a schema change that, once applied, leaves nothing to diff", async () => {
    const dir = await tempDir();
    const migrationsDir = path.join(dir, "migrations");
    await cp(MIGRATIONS_DIR, migrationsDir, { recursive: true });
    const schemaPath = path.join(dir, "schema.prisma");
    // Relations, enums, arrays, composite keys and indexes: the shadow database's introspection
    // must read all of them back (pg_catalog "char" columns included).
    await writeFile(
      schemaPath,
      `${await readFile(SCHEMA_PATH, "utf8")}
enum DiffProbeKind {
  admin
  operator
  viewer
}

model DiffProbe {
  id      String      @id @default(uuid()) @db.Uuid
  name    String      @unique @db.VarChar(64)
  kind    DiffProbeKind @default(viewer)
  tags    String[]
  meta    Json?
  note    String?     @db.Char(8)
  created DateTime    @default(now()) @db.Timestamptz(3)
  links   DiffProbeLink[]

  @@index([kind, created])
}

model DiffProbeLink {
  probeId String @db.Uuid
  target  String
  probe   DiffProbe @relation(fields: [probeId], references: [id], onDelete: Cascade)

  @@id([probeId, target])
}
`,
    );
    const url = adminDatabaseUrl();

    const sql = await diffMigration(url, { migrationsDir, schemaPath });
    expect(sql).toContain('CREATE TYPE "DiffProbeKind" AS ENUM');
    expect(sql).toContain('CREATE TABLE "DiffProbeLink"');
    expect(sql).toContain("FOREIGN KEY");

    await writeMigration(migrationsDir, "29990101000000_probe", sql);
    expect(await diffMigration(url, { migrationsDir, schemaPath })).toBe("");
    const db = await emptyDatabase();
    expect((await applyMigrations(db.url, { migrationsDir })).applied).toContain("29990101000000_probe");
  });
});
