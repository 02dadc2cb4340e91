// Bundles the agent into ONE file, dist/agent.cjs (or the path given), runnable with plain `node`
// and no node_modules.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

// dockerode and docker-modem load gRPC (BuildKit sessions) and ssh2 (ssh:// endpoints) at require
// time; the agent uses neither, and they cost ~1.4 MB of bundle and heap. Any use fails loudly.
const unusedModules = {
  name: "unused-modules",
  setup(b) {
    b.onResolve({ filter: /^(@grpc\/grpc-js|@grpc\/proto-loader|protobufjs(\/.*)?|ssh2)$/ }, (args) => ({
      path: args.path,
      namespace: "unused",
    }));
    b.onLoad({ filter: /.*/, namespace: "unused" }, (args) => ({
      contents: `const unavailable = () => { throw new Error(${JSON.stringify(`${args.path} is not part of the agent bundle`)}); };
module.exports = new Proxy({}, { get: (_, key) => (typeof key === "symbol" || key === "__esModule" ? undefined : unavailable) });`,
      loader: "js",
    }));
  },
};

await build({
  entryPoints: [here("src/main.ts")],
  outfile: process.argv[2] ?? here("dist/agent.cjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  // Comments and indentation out: the source text stays in V8's heap for the life of the process.
  minifyWhitespace: true,
  legalComments: "none",
  // Optional native add-ons the bundled packages try to load and do without: ws (bufferutil,
  // utf-8-validate), ssh2 through docker-modem (cpu-features, its own crypto binding).
  external: ["bufferutil", "utf-8-validate", "cpu-features", "*.node"],
  banner: { js: "#!/usr/bin/env node" },
  plugins: [unusedModules],
  logLevel: "warning",
});
