/** Throwaway databases for integration tests, on the server of the admin DATABASE_URL. */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../generated/prisma/client.ts";
import { withDatabase } from "./adapter-patches.ts";
import { applyMigrations } from "./migrations.ts";

/** The repository's prisma/migrations. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../../../prisma/migrations", import.meta.url));
/** The repository's prisma/schema.prisma. */
export const SCHEMA_PATH = fileURLToPath(new URL("../../../../../prisma/schema.prisma", import.meta.url));

export interface TestDatabase {
  /** Connection string of the new database. */
  url: string;
  /** Its name, `dockfleet_test_<random>`. */
  name: string;
  /** A client of its own (not the console's singleton); closed by `drop()`. */
  prisma: PrismaClient;
  /** Disconnects the client and drops the database (even with connections left open). */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Apply prisma/migrations (default true); false leaves the database empty. */
  migrate?: boolean;
  /** Defaults to the environment's DATABASE_URL; its role must be allowed to CREATE DATABASE. */
  adminUrl?: string;
}

/** The admin URL from the environment, or a one-line explanation of how to get one. */
export function adminDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set: integration tests need a PostgreSQL server, e.g. " +
        "`npx tsx scripts/postgres.ts up --data-dir .dockfleet/test-pg --port 5433` prints one",
    );
  }
  return url;
}

/**
 * Creates a uniquely named database `dockfleet_test_<random>` with the migrations applied.
 * Call `drop()` when done (e.g. in afterAll).
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const adminUrl = options.adminUrl ?? adminDatabaseUrl();
  const name = `dockfleet_test_${randomBytes(6).toString("hex")}`;
  await admin(adminUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  const url = withDatabase(adminUrl, name);
  const drop = async () => {
    await admin(adminUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
    );
  };
  try {
    if (options.migrate ?? true) await applyMigrations(url, { migrationsDir: MIGRATIONS_DIR });
  } catch (error) {
    await drop();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  return {
    url,
    name,
    prisma,
    async drop() {
      await prisma.$disconnect();
      await drop();
    },
  };
}

async function admin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
