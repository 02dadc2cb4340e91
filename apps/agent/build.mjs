// Bundles the agent into ONE file, dist/agent.cjs (or the path given), runnable with plain `node`
// and no node_modules.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

// dockerode and docker-modem load gRPC (BuildKit sessions), ssh2 (ssh:// endpoints) and tar-fs with
// @balena/dockerignore (build contexts read from a directory) at require time; the agent uses none
// of them, and they cost ~1.4 MB of bundle and heap. Any use fails loudly.
const unusedModules = {
  name: "unused-modules",
  setup(b) {
    const unused =
      /^(@grpc\/grpc-js|@grpc\/proto-loader|protobufjs(\/.*)?|ssh2|tar-fs|@balena\/dockerignore)$/;
    b.onResolve({ filter: unused }, (args) => ({
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

// zod registers the error messages of all its ~50 languages at import; the agent speaks English
// only. Its locales module keeps just that one: 0.2 MB less source, parsed and kept by every agent.
const englishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes("/node_modules/zod/")
        ? { path: "zod-locales", namespace: "zod-locales", pluginData: args.resolveDir }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from "../locales/en.js";`,
      resolveDir: args.pluginData,
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
  plugins: [unusedModules, englishOnly],
  logLevel: "warning",
});
