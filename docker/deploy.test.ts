// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Compose and Dockerfile text
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { checks, FILES, loadDeployment, missingRuntimePackages, type ReadFile } from "./deploy-checks.ts";

/** The agent image's CMD as shipped (with its memory flags). */
const agentCmd =
  'CMD ["node", "--max-semi-space-size=2", "--optimize-for-size", "--single-threaded", "apps/agent/dist/agent.cjs"]';

const root = fileURLToPath(new URL("..", import.meta.url));

const readRepo: ReadFile = (file) => {
  try {
    return readFileSync(path.join(root, file), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
};

const real = loadDeployment(readRepo);

/** The deployment with one edit to one file; an edit that no longer applies fails loudly. */
function edited(file: string, from: string, to: string) {
  const text = readRepo(file);
  if (!text?.includes(from))
    throw new Error(`${file} no longer contains ${JSON.stringify(from)}: update the breakage`);
  return loadDeployment((name) => (name === file ? text.replace(from, to) : readRepo(name)));
}

type CheckName = keyof typeof checks;

const CONSOLE_IGNORE = `${FILES.console}.dockerignore`;
const AGENT_IGNORE = `${FILES.agent}.dockerignore`;

/** [check, what breaks, file, text, replacement, the problem it must report]: one row per way to fail. */
const breakages: [CheckName, string, string, string, string, RegExp][] = [
  [
    "compose defines the postgres, console and agent services",
    "the agent service is renamed",
    FILES.compose,
    "\n  agent:\n",
    "\n  dockfleet-agent:\n",
    /no service "agent"/,
  ],
  [
    "the console publishes and listens on port 3000 everywhere",
    "compose publishes another container port",
    FILES.compose,
    '- "3000:3000"',
    '- "3000:8080"',
    /does not publish 3000:3000/,
  ],
  [
    "the console publishes and listens on port 3000 everywhere",
    "the image exposes another port",
    FILES.console,
    "EXPOSE 3000",
    "EXPOSE 8080",
    /does not EXPOSE 3000/,
  ],
  [
    "the console publishes and listens on port 3000 everywhere",
    "compose moves the server to another port",
    FILES.compose,
    'PORT: "3000"',
    'PORT: "4000"',
    /compose sets PORT=4000/,
  ],
  [
    "postgres and the console have compose health checks",
    "pg_isready checks the unix socket",
    FILES.compose,
    '"pg_isready", "-h", "127.0.0.1", ',
    '"pg_isready", ',
    /over TCP/,
  ],
  [
    "postgres and the console have compose health checks",
    "the console health check calls another path",
    FILES.compose,
    "+'/api/health'",
    "+'/'",
    /does not call \/api\/health/,
  ],
  [
    "postgres and the console have compose health checks",
    "the console health check uses curl",
    FILES.compose,
    "        - CMD\n        - node\n        - -e\n",
    "        - CMD\n        - curl\n        - -fsS\n",
    /does not run node/,
  ],
  [
    "the console image has a HEALTHCHECK calling /api/health with node",
    "the HEALTHCHECK uses curl",
    FILES.console,
    'CMD ["node", "-e", "fetch(',
    'CMD ["curl", "-e", "fetch(',
    /not `node/,
  ],
  [
    "the console image has a HEALTHCHECK calling /api/health with node",
    "the HEALTHCHECK is disabled",
    FILES.console,
    'CMD ["node", "apps/web/dist/main.js"]',
    'HEALTHCHECK NONE\nCMD ["node", "apps/web/dist/main.js"]',
    /no HEALTHCHECK/,
  ],
  [
    "named volumes are declared, used, and hold the data directories",
    "a used volume is not declared",
    FILES.compose,
    "  agent-state:\n",
    "",
    /uses volume "agent-state", which is not declared/,
  ],
  [
    "named volumes are declared, used, and hold the data directories",
    "postgres keeps its data in a bind mount",
    FILES.compose,
    "- pgdata:/var/lib/postgresql/data",
    "- ./pgdata:/var/lib/postgresql/data",
    /"pgdata" is declared but unused/,
  ],
  [
    "named volumes are declared, used, and hold the data directories",
    "the console's volume is mounted elsewhere",
    FILES.compose,
    "- dockfleet-data:/var/lib/dockfleet",
    "- dockfleet-data:/data",
    /console does not mount named volume "dockfleet-data" at \/var\/lib\/dockfleet/,
  ],
  [
    "the images declare the data directories compose mounts",
    "the console image declares another volume",
    FILES.console,
    'VOLUME ["/var/lib/dockfleet"]',
    'VOLUME ["/data"]',
    /no VOLUME \/var\/lib\/dockfleet/,
  ],
  [
    "the images declare the data directories compose mounts",
    "the console image points DOCKFLEET_DATA_DIR elsewhere",
    FILES.console,
    "DOCKFLEET_DATA_DIR=/var/lib/dockfleet",
    "DOCKFLEET_DATA_DIR=/data",
    /sets DOCKFLEET_DATA_DIR=\/data/,
  ],
  [
    "the images declare the data directories compose mounts",
    "the agent image has no state volume",
    FILES.agent,
    'VOLUME ["/var/lib/dockfleet-agent"]\n',
    "",
    /agent image has no VOLUME/,
  ],
  [
    "the console starts only once postgres is healthy",
    "the console waits only for postgres to start",
    FILES.compose,
    "      postgres:\n        condition: service_healthy",
    "      postgres:\n        condition: service_started",
    /condition service_started/,
  ],
  [
    "compose holds no password or other secret literal",
    "the postgres password is written in",
    FILES.compose,
    "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}",
    "POSTGRES_PASSWORD: hunter2",
    /postgres: POSTGRES_PASSWORD carries a literal/,
  ],
  [
    "compose holds no password or other secret literal",
    "the postgres password gets a default",
    FILES.compose,
    "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}",
    "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-changeme}",
    /postgres: POSTGRES_PASSWORD carries a literal/,
  ],
  [
    "compose holds no password or other secret literal",
    "DATABASE_URL carries a literal password",
    FILES.compose,
    "postgresql://dockfleet:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@",
    "postgresql://dockfleet:hunter2@",
    /URL carries a literal password/,
  ],
  [
    "compose holds no password or other secret literal",
    "a health check passes a password",
    FILES.compose,
    '["CMD", "pg_isready",',
    '["CMD", "env", "PGPASSWORD=hunter2", "pg_isready",',
    /PGPASSWORD is assigned a literal/,
  ],
  [
    "compose holds no password or other secret literal",
    "the enrollment token is written in",
    FILES.compose,
    "DOCKFLEET_ENROLL_TOKEN: ${DOCKFLEET_ENROLL_TOKEN:-}",
    "DOCKFLEET_ENROLL_TOKEN: 3f9c0e1a",
    /agent: DOCKFLEET_ENROLL_TOKEN carries a literal/,
  ],
  [
    "a plain `up` requires POSTGRES_PASSWORD and nothing else",
    "the agent's token becomes required",
    FILES.compose,
    "${DOCKFLEET_ENROLL_TOKEN:-}",
    "${DOCKFLEET_ENROLL_TOKEN:?set DOCKFLEET_ENROLL_TOKEN}",
    /DOCKFLEET_ENROLL_TOKEN is required/,
  ],
  [
    "a plain `up` requires POSTGRES_PASSWORD and nothing else",
    "postgres starts without a password check",
    FILES.compose,
    "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}",
    "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}",
    /used without/,
  ],
  [
    "a plain `up` requires POSTGRES_PASSWORD and nothing else",
    "DATABASE_URL uses another password variable",
    FILES.compose,
    "postgresql://dockfleet:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@",
    "postgresql://dockfleet:${DB_PASSWORD:?set DB_PASSWORD}@",
    /DATABASE_URL is not built from POSTGRES_PASSWORD/,
  ],
  [
    "only the agent mounts the Docker socket, and only with its profile",
    "the console gets the socket",
    FILES.compose,
    "      - dockfleet-data:/var/lib/dockfleet\n",
    "      - dockfleet-data:/var/lib/dockfleet\n      - /var/run/docker.sock:/var/run/docker.sock\n",
    /console mounts the Docker socket/,
  ],
  [
    "only the agent mounts the Docker socket, and only with its profile",
    "the agent starts with every `up`",
    FILES.compose,
    "    profiles: [agent]\n",
    "",
    /not behind the `agent` profile/,
  ],
  [
    "only the agent mounts the Docker socket, and only with its profile",
    "the agent lacks the socket",
    FILES.compose,
    "      - /var/run/docker.sock:/var/run/docker.sock\n",
    "",
    /agent does not mount \/var\/run\/docker.sock/,
  ],
  [
    "only the agent mounts the Docker socket, and only with its profile",
    "the unprivileged agent cannot open the socket",
    FILES.compose,
    "    group_add:\n      - ${DOCKER_GID:-999}\n",
    "",
    /no group_add/,
  ],
  [
    "the services restart unless stopped",
    "postgres restarts only on failure",
    FILES.compose,
    "    image: postgres:16\n    restart: unless-stopped",
    "    image: postgres:16\n    restart: on-failure",
    /postgres restart is on-failure/,
  ],
  [
    "compose builds each image from the repository root with its Dockerfile and ignore file",
    "the console builds from docker/",
    FILES.compose,
    "      context: ..\n      dockerfile: docker/console.Dockerfile",
    "      context: .\n      dockerfile: console.Dockerfile",
    /console builds from docker, not the repository root/,
  ],
  [
    "compose builds each image from the repository root with its Dockerfile and ignore file",
    "the agent builds the console's Dockerfile",
    FILES.compose,
    "dockerfile: docker/agent.Dockerfile",
    "dockerfile: docker/console.Dockerfile",
    /agent builds docker\/console.Dockerfile/,
  ],
  [
    "compose builds each image from the repository root with its Dockerfile and ignore file",
    "the agent's ignore file is gone",
    AGENT_IGNORE,
    "",
    "",
    /agent.Dockerfile.dockerignore is missing/,
  ],
  [
    "each builder runs npm ci then npm run build on node:20-bookworm-slim",
    "the builder resolves dependencies afresh",
    FILES.console,
    "RUN --mount=type=cache,target=/root/.npm npm ci\n",
    "RUN --mount=type=cache,target=/root/.npm npm install\n",
    /console: the builder does not run a full npm ci/,
  ],
  [
    "each builder runs npm ci then npm run build on node:20-bookworm-slim",
    "the agent builds on Alpine",
    FILES.agent,
    "FROM node:20-bookworm-slim AS base",
    "FROM node:20-alpine AS base",
    /agent: builder starts from node:20-alpine/,
  ],
  [
    "each builder runs npm ci then npm run build on node:20-bookworm-slim",
    "nothing runs the build",
    FILES.agent,
    "RUN npm run build \\",
    "RUN npm run compile \\",
    /agent: no stage runs npm run build/,
  ],
  [
    "every workspace manifest and the lockfile are copied before npm ci",
    "a workspace manifest is left out",
    FILES.console,
    "COPY apps/web/package.json apps/web/\n",
    "",
    /console: apps\/web\/package.json is not copied before npm ci/,
  ],
  [
    "every workspace manifest and the lockfile are copied before npm ci",
    "the lockfile is left out",
    FILES.agent,
    "COPY package.json package-lock.json ./",
    "COPY package.json ./",
    /agent: package-lock.json is not copied/,
  ],
  [
    "the final stages run as a non-root user",
    "the console runs as root",
    FILES.console,
    "USER 10001:10001",
    "USER root",
    /console: final stage runs as root/,
  ],
  [
    "the final stages run as a non-root user",
    "the agent never leaves root",
    FILES.agent,
    "USER 10001:10001\n",
    "",
    /agent: final stage runs as root \(no USER\)/,
  ],
  [
    "the final stages run as a non-root user",
    "compose overrides the user",
    FILES.compose,
    "    init: true\n    depends_on:\n      postgres:",
    "    init: true\n    user: '0'\n    depends_on:\n      postgres:",
    /compose runs console as 0/,
  ],
  [
    "the runtime stages start from slim Node images in production mode",
    "the console runs in development mode",
    FILES.console,
    "ENV NODE_ENV=production \\",
    "ENV NODE_ENV=development \\",
    /console: NODE_ENV is not production/,
  ],
  [
    "the runtime stages start from slim Node images in production mode",
    "the agent ships on the full image",
    FILES.agent,
    "FROM node:20-slim AS runtime",
    "FROM node:20 AS runtime",
    /agent: final stage is not FROM node:20-slim/,
  ],
  [
    "the CMDs start the build outputs, copied from the builder",
    "the console CMD names another file",
    FILES.console,
    'CMD ["node", "apps/web/dist/main.js"]',
    'CMD ["node", "apps/web/dist/server.js"]',
    /console: CMD is/,
  ],
  [
    "the CMDs start the build outputs, copied from the builder",
    "the console's dist comes from the sources",
    FILES.console,
    "COPY --from=builder /app/apps/web/dist apps/web/dist",
    "COPY --from=builder /app/apps/web/src apps/web/dist",
    /console: \/app\/apps\/web\/dist\/main.js is not copied from the build output.*\/app\/apps\/web\/src\/main.js in stage "builder"/,
  ],
  [
    "the CMDs start the build outputs, copied from the builder",
    "the console's dist is never copied",
    FILES.console,
    "COPY --from=builder /app/apps/web/dist apps/web/dist\n",
    "",
    /console: \/app\/apps\/web\/dist\/main.js is not copied from the build output/,
  ],
  [
    "the CMDs start the build outputs, copied from the builder",
    "the agent starts through npm in shell form",
    FILES.agent,
    agentCmd,
    "CMD npm start",
    /agent: CMD is npm start/,
  ],
  [
    "the CMDs start the build outputs, copied from the builder",
    "the agent bundle is copied from the wrong place",
    FILES.agent,
    "COPY --from=builder /app/apps/agent/dist/agent.cjs apps/agent/dist/agent.cjs",
    "COPY --from=builder /app/apps/agent/src/main.ts apps/agent/dist/agent.cjs",
    /agent: .* could come from \/app\/apps\/agent\/src\/main.ts in stage "builder"/,
  ],
  [
    "the CMDs start the build outputs, copied from the builder",
    "an ENTRYPOINT wraps the agent",
    FILES.agent,
    agentCmd,
    `ENTRYPOINT ["tini", "--"]\n${agentCmd}`,
    /an ENTRYPOINT wraps the CMD/,
  ],
  [
    "the console image carries the agent bundle that Add host uploads",
    "the agent bundle is left out",
    FILES.console,
    "COPY --from=builder /app/apps/agent/dist apps/agent/dist\n",
    "",
    /console: \/app\/apps\/agent\/dist\/agent.cjs is not copied from the build output/,
  ],
  [
    "the ignore files keep host builds and secrets out, and the manifests in",
    "host node_modules get into the context",
    CONSOLE_IGNORE,
    "**/node_modules\n",
    "node_modules\n",
    /lets apps\/web\/node_modules\/x\/index.js into the context/,
  ],
  [
    "the ignore files keep host builds and secrets out, and the manifests in",
    "a .env file gets into the context",
    AGENT_IGNORE,
    "**/.env\n",
    "",
    /lets docker\/.env into the context/,
  ],
  [
    "the ignore files keep host builds and secrets out, and the manifests in",
    "the lockfile is ignored",
    CONSOLE_IGNORE,
    ".git\n",
    ".git\n*.json\n",
    /leaves out package-lock.json, which the build needs/,
  ],
  [
    "the agent image builds exactly like the console, so the build cache is shared",
    "the agent's builder drifts",
    FILES.agent,
    "ENV NEXT_TELEMETRY_DISABLED=1",
    "ENV NEXT_TELEMETRY_DISABLED=0",
    /build stages differ/,
  ],
  [
    "the agent image builds exactly like the console, so the build cache is shared",
    "the ignore files drift",
    AGENT_IGNORE,
    ".lab\n",
    ".lab\ncoverage\n",
    /ignore files differ/,
  ],
];

describe("the deployment files", () => {
  it.each(Object.keys(checks) as CheckName[])("%s", (name) => {
    expect(checks[name](real)).toEqual([]);
  });
});

describe("each check reports the breakage it guards against", () => {
  it.each(breakages)("%s, when %s", (name, _what, file, from, to, problem) => {
    // An empty `from` stands for deleting the file.
    const broken =
      from === "" ? loadDeployment((f) => (f === file ? undefined : readRepo(f))) : edited(file, from, to);
    const problems = checks[name](broken);
    expect(problems.join("\n")).toMatch(problem);
  });

  it("has at least one breakage for every check", () => {
    const covered = new Set(breakages.map(([name]) => name));
    expect(Object.keys(checks).filter((name) => !covered.has(name as CheckName))).toEqual([]);
  });
});

/** npm packages the console server leaves to node_modules, found the way build-server.mjs bundles it. */
async function serverExternals(): Promise<string[]> {
  const result = await bundleServer().catch((error: Error) => {
    // Usually the generated Prisma client is missing: scripts/test runs `npm run db:generate` first.
    throw new Error(`cannot bundle apps/web/src/main.ts to list its imports: ${error.message}`);
  });
  const externals = new Set<string>();
  for (const output of Object.values(result.metafile.outputs))
    for (const item of output.imports) if (item.external) externals.add(item.path);
  return [...externals].sort();
}

function bundleServer() {
  return build({
    absWorkingDir: path.join(root, "apps/web"),
    entryPoints: ["src/main.ts"],
    outfile: "dist/main.js",
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    metafile: true,
    logLevel: "silent",
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
  });
}

describe("the console image's node_modules", () => {
  it("holds every npm package the console server imports at run time", async () => {
    const externals = await serverExternals();
    expect(externals).toContain("next");
    expect(missingRuntimePackages(real, externals)).toEqual([]);
  });

  it("reports a development-only or unknown package, and not Node's own modules", () => {
    expect(
      missingRuntimePackages(real, ["vitest/config", "no-such-package", "fs", "node:fs", "next"]),
    ).toEqual(["no-such-package", "vitest"]);
  });

  it("counts a package the Dockerfile copies into node_modules", () => {
    const copied = edited(
      FILES.console,
      "COPY --from=builder /app/prisma prisma\n",
      "COPY --from=builder /app/node_modules/vitest node_modules/vitest\nCOPY --from=builder /app/prisma prisma\n",
    );
    expect(missingRuntimePackages(copied, ["vitest"])).toEqual([]);
  });
});
