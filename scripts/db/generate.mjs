// `npm run db:generate`: generates the Prisma client into apps/web/src/generated/prisma.
//
// The prisma 7 CLI downloads its schema engine before running ANY command, and the engine host is
// not reachable here. Generating needs no engine at all, so we point PRISMA_SCHEMA_ENGINE_BINARY
// at an empty placeholder file: the CLI then skips the download. Migrations do not use the CLI
// (see docs/database.md).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const schema = path.join(root, "prisma/schema.prisma");

function fail(message) {
  console.error(`db:generate: ${message}`);
  process.exit(1);
}

function enginePlaceholder() {
  const given = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  if (given && existsSync(given)) return given;
  const dir = path.join(root, "node_modules/.cache/dockfleet");
  const file = path.join(dir, "schema-engine-placeholder");
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, "");
  }
  return file;
}

let cli;
try {
  cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
} catch {
  fail("the prisma CLI is not installed (run `npm install` first)");
}

const result = spawnSync(process.execPath, [cli, "generate", "--schema", schema], {
  cwd: root,
  encoding: "utf8",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: enginePlaceholder(),
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    NO_COLOR: "1",
  },
});

if (result.error) fail(`could not run prisma generate: ${result.error.message}`);
if (result.status !== 0) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colours
  const output = `${result.stderr}\n${result.stdout}`.replace(/\u001b\[[0-9;]*m/g, "");
  const lines = output.split("\n").map((line) => line.trim());
  // Schema errors come as "error: <what>" followed by "--> <file>:<line>".
  const at = lines.findIndex((line) => line.startsWith("error: "));
  const where = at >= 0 ? lines[at + 1]?.replace(/^-->\s*/, "") : undefined;
  let reason = at >= 0 ? `${lines[at]?.slice(7)}${where ? ` (${where})` : ""}` : undefined;
  if (output.includes("binaries.prisma.sh")) {
    reason = "the prisma CLI tried to download its engines, which cannot work here";
  }
  reason ??= lines.find((line) => line.startsWith("Error: "))?.slice(7) ?? `exit code ${result.status}`;
  fail(`prisma generate failed: ${reason}`);
}
const done = result.stdout.split("\n").find((line) => line.includes("Generated Prisma Client"));
console.log(done ? done.replace(/^\W+/, "") : "Generated Prisma Client");
