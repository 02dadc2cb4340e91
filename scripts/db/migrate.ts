// `npm run db:migrate`: applies prisma/migrations to the database at DATABASE_URL, like
// `prisma migrate deploy` (which cannot run here: see docs/database.md).
//   npm run db:migrate -- --rolled-back <migration>   marks a failed migration as rolled back
import path from "node:path";
import { fileURLToPath } from "node:url";
import { applyMigrations, markMigrationRolledBack } from "../../apps/web/src/server/db/migrations.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const migrationsDir = path.join(root, "prisma/migrations");

async function main(args: string[]): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (e.g. postgresql://user:pass@localhost:5432/dockfleet)");
  if (args[0] === "--rolled-back") {
    const name = args[1];
    if (!name) throw new Error("usage: npm run db:migrate -- --rolled-back <migration>");
    await markMigrationRolledBack(url, name);
    console.log(`marked ${name} as rolled back; \`npm run db:migrate\` will apply it again`);
    return;
  }
  if (args.length > 0) throw new Error(`unknown arguments: ${args.join(" ")}`);
  const started = performance.now();
  const { applied } = await applyMigrations(url, { migrationsDir });
  const took = `${Math.round(performance.now() - started)} ms`;
  console.log(
    applied.length === 0
      ? `database is up to date (${took})`
      : `applied ${applied.length} migration${applied.length === 1 ? "" : "s"} in ${took}: ${applied.join(", ")}`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`db:migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
