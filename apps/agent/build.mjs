// Bundles the agent into ONE file, dist/agent.cjs, that runs with plain `node` (no node_modules).
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/agent.cjs",
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
