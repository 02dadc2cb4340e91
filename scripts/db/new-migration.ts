// `npm run db:new-migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql
// with the SQL that takes the existing migrations to prisma/schema.prisma ("no changes" when they
// agree). The diff replays the migrations on a temporary shadow database: on the server of
// DATABASE_URL when set (its role needs CREATE DATABASE), else on a throwaway embedded server.
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrationDirName, writeMigration } from "../../apps/web/src/server/db/migration-files.ts";
import { diffMigration } from "../../apps/web/src/server/db/migrations.ts";
import { startPostgres } from "../postgres.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const migrationsDir = path.join(root, "prisma/migrations");
const schemaPath = path.join(root, "prisma/schema.prisma");

async function main(args: string[]): Promise<void> {
  const [name, ...extra] = args;
  if (!name || extra.length > 0) throw new Error("usage: npm run db:new-migration -- <name>");
  const dirName = migrationDirName(name);
  const sql = await withDatabase((url) => diffMigration(url, { migrationsDir, schemaPath }));
  if (!sql.trim()) {
    console.log("no changes: prisma/schema.prisma matches the existing migrations");
    return;
  }
  const file = await writeMigration(migrationsDir, dirName, sql);
  console.log(`wrote ${path.relative(root, file)}: review it, then commit it with the schema`);
}

async function withDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const url = process.env.DATABASE_URL;
  if (url) return work(url);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "dockfleet-diff-"));
  try {
    const server = await startPostgres({ dataDir, port: await freePort() });
    try {
      return await work(server.url);
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`db:new-migration: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
