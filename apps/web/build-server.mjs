// Bundles the console's server (src/main.ts) into dist/main.js; npm packages stay external, our workspaces are inlined.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/main.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  plugins: [
    {
      name: "external-npm-packages",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith("@dockfleet/") ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
  logLevel: "warning",
});
