// Bundles the agent into ONE file, dist/agent.cjs (or the path given), runnable with plain `node`
// and no node_modules.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

await build({
  entryPoints: [here("src/main.ts")],
  outfile: process.argv[2] ?? here("dist/agent.cjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minifyWhitespace: false,
  legalComments: "none",
  // Optional native add-ons the bundled packages try to load and do without: ws (bufferutil,
  // utf-8-validate), ssh2 through docker-modem (cpu-features, its own crypto binding).
  external: ["bufferutil", "utf-8-validate", "cpu-features", "*.node"],
  banner: { js: "#!/usr/bin/env node" },
  logLevel: "warning",
});
