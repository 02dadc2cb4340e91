// Runs every bench/*.bench.ts one after the other (they share one machine: never in parallel).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv[2];
const benches = readdirSync(dir)
  .filter((file) => file.endsWith(".bench.ts") && (!only || file.includes(only)))
  .sort();

let failed = 0;
for (const bench of benches) {
  console.log(`\n== ${bench} ==`);
  const result = spawnSync(process.execPath, ["--import", "tsx", `${dir}${bench}`], { stdio: "inherit" });
  if (result.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
