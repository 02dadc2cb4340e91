import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const config: NextConfig = {
  // The UI only; tRPC, the agent link and health are served by our own server (src/main.ts).
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ["@dockfleet/runtime", "@dockfleet/protocol"],
  // `npm run check` type-checks the whole tree once; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  turbopack: { root: fileURLToPath(new URL("../..", import.meta.url)) },
};

export default config;
