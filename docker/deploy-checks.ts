/**
 * What the deployment files promise, as checks over their parsed contents: each check returns the
 * problems it found, so a test can run it on the real files and on deliberately broken copies.
 */
import { builtinModules } from "node:module";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { agentNodeArgs } from "../apps/web/src/server/onboarding/layout.ts";
import {
  asObject,
  environment,
  healthTest,
  type Json,
  mounts,
  ports,
  references,
  strings,
} from "./compose-file.ts";
import {
  copiesOf,
  type Dockerfile,
  effectiveInstructions,
  envOf,
  execForm,
  finalStage,
  findStage,
  healthcheckOf,
  type Instruction,
  lastValue,
  listValues,
  parseDockerfile,
  resolvePath,
  type Stage,
  splitWords,
  stageChain,
  workdirOf,
} from "./dockerfile.ts";
import { dockerignore } from "./dockerignore.ts";

/** Reads a file by its path from the repository root; undefined when it does not exist. */
export type ReadFile = (repoPath: string) => string | undefined;

export const FILES = {
  compose: "docker/compose.yaml",
  console: "docker/console.Dockerfile",
  agent: "docker/agent.Dockerfile",
} as const;

/** The facts the brief and DESIGN.md fix, which the deployment files must agree with. */
export const EXPECT = {
  builderImage: "node:20-bookworm-slim",
  consoleImage: "node:20-bookworm-slim",
  agentImage: "node:20-slim",
  consoleEntry: "apps/web/dist/main.js",
  agentEntry: "apps/agent/dist/agent.cjs",
  /** Node flags before each entry: the agent's memory flags, as its systemd unit passes them. */
  consoleNodeArgs: [] as readonly string[],
  agentNodeArgs: agentNodeArgs as readonly string[],
  port: 3000,
  healthPath: "/api/health",
  dataDir: "/var/lib/dockfleet",
  agentStateDir: "/var/lib/dockfleet-agent",
  postgresDataDir: "/var/lib/postgresql/data",
  dockerSocket: "/var/run/docker.sock",
  requiredVariables: ["POSTGRES_PASSWORD"],
} as const;

interface LockPackage {
  dev?: boolean;
}

export interface Deployment {
  read: ReadFile;
  compose: Json;
  dockerfiles: { console: Dockerfile; agent: Dockerfile };
  workspaces: string[];
  lockPackages: Record<string, LockPackage>;
}

/** Reads and parses every deployment file; throws when one is missing or unreadable. */
export function loadDeployment(read: ReadFile): Deployment {
  const need = (file: string): string => {
    const text = read(file);
    if (text === undefined) throw new Error(`${file} is missing`);
    return text;
  };
  const composeText = need(FILES.compose);
  const compose = asObject(parseYaml(composeText));
  if (!compose) throw new Error(`${FILES.compose} is not a YAML mapping`);
  const rootPackage = JSON.parse(need("package.json")) as { workspaces?: string[] };
  const lock = JSON.parse(need("package-lock.json")) as { packages?: Record<string, LockPackage> };
  return {
    read,
    compose,
    dockerfiles: { console: parseDockerfile(need(FILES.console)), agent: parseDockerfile(need(FILES.agent)) },
    workspaces: rootPackage.workspaces ?? [],
    lockPackages: lock.packages ?? {},
  };
}

function service(d: Deployment, name: string): Json | undefined {
  return asObject(asObject(d.compose.services)?.[name]);
}

function runs(instructions: Instruction[]): string[] {
  return instructions
    .filter((instruction) => instruction.keyword === "RUN")
    .map((instruction) => instruction.args);
}

const runsNpm = (args: string, command: RegExp) =>
  args.split(/&&|;|\|\|/).some((part) => command.test(part.trim()));
const NPM_CI = /^npm ci(?:\s|$)/;
const NPM_BUILD = /^npm run build(?:\s|$)/;

/** The first stage that itself runs `npm run build`. */
function builderStage(df: Dockerfile): Stage | undefined {
  return df.stages.find((stage) =>
    stage.instructions.some((i) => i.keyword === "RUN" && runsNpm(i.args, NPM_BUILD)),
  );
}

/**
 * Where a path of the final stage may come from: for every COPY --from whose destination covers
 * it, the stage and the source path. A directory source copies its contents and a file source
 * keeps its name in a directory destination; which one a source is cannot be seen here, so both
 * readings are listed.
 */
function originsOf(df: Dockerfile, target: string): { stage: Stage | undefined; path: string }[] {
  const origins: { stage: Stage | undefined; path: string }[] = [];
  for (const copy of copiesOf(df, finalStage(df))) {
    if (copy.from === undefined) continue;
    const destination = copy.destination.replace(/\/$/, "") || "/";
    const rest =
      target === destination
        ? ""
        : target.startsWith(`${destination}/`)
          ? target.slice(destination.length)
          : undefined;
    if (rest === undefined) continue;
    const stage = findStage(df, copy.from);
    const sourceDir = stage ? workdirOf(df, stage) : "/";
    for (const source of copy.sources) {
      const from = resolvePath(sourceDir, source);
      origins.push({ stage, path: from + rest });
      if (rest === `/${path.posix.basename(from)}`) origins.push({ stage, path: from });
    }
  }
  return origins;
}

/** Problems if `entry` (relative to the repo) is not copied into the final stage from the build's output. */
function copiedFromBuild(df: Dockerfile, name: string, entry: string): string[] {
  const builder = builderStage(df);
  if (!builder) return [`${name}: no stage runs npm run build`];
  const target = resolvePath(workdirOf(df, finalStage(df)), entry);
  const expected = resolvePath(workdirOf(df, builder), entry);
  const origins = originsOf(df, target);
  if (origins.some((origin) => origin.stage === builder && origin.path === expected)) return [];
  const seen = origins.map((origin) => `${origin.path} in stage "${origin.stage?.name ?? "?"}"`);
  return [
    `${name}: ${target} is not copied from the build output ${expected} in stage "${builder.name}"` +
      (seen.length ? ` (it could come from ${seen.join(", ")})` : " (nothing copies it)"),
  ];
}

function isRootUser(user: string | undefined): boolean {
  if (user === undefined) return true;
  const [name] = user.split(":");
  return name === "" || name === "root" || name === "0";
}

// ---------------------------------------------------------------------------------------------
// The checks

export type Check = (d: Deployment) => string[];

export const checks = {
  "compose defines the postgres, console and agent services": (d) =>
    ["postgres", "console", "agent"]
      .filter((name) => !service(d, name))
      .map((name) => `no service "${name}"`),

  "the console publishes and listens on port 3000 everywhere": (d) => {
    const problems: string[] = [];
    const consoleSvc = service(d, "console");
    const want = String(EXPECT.port);
    if (!ports(consoleSvc).some((port) => port.target === EXPECT.port && port.published === want))
      problems.push(`console does not publish ${want}:${want}`);
    const composePort = environment(consoleSvc).PORT;
    if (composePort !== undefined && composePort !== want) problems.push(`compose sets PORT=${composePort}`);
    const df = d.dockerfiles.console;
    if (!listValues(df, finalStage(df), "EXPOSE").includes(want))
      problems.push(`console image does not EXPOSE ${want}`);
    const imagePort = envOf(df, finalStage(df)).PORT;
    if (imagePort !== undefined && imagePort !== want) problems.push(`console image sets PORT=${imagePort}`);
    return problems;
  },

  "postgres and the console have compose health checks": (d) => {
    const problems: string[] = [];
    const pg = healthTest(service(d, "postgres"));
    const pgLine = pg?.argv.join(" ") ?? "";
    if (!/\bpg_isready\b/.test(pgLine)) problems.push("postgres has no pg_isready health check");
    // The image's first-start server listens on the unix socket only; TCP sees the real one.
    else if (!/\s-h\s*(127\.0\.0\.1|localhost)\b/.test(pgLine))
      problems.push("pg_isready does not check over TCP (-h)");
    const consoleCheck = healthTest(service(d, "console"));
    if (!consoleCheck) problems.push("console has no health check");
    else {
      if (consoleCheck.kind !== "CMD" || consoleCheck.argv[0] !== "node")
        problems.push("console health check does not run node (the slim image has no curl)");
      if (!consoleCheck.argv.join(" ").includes(EXPECT.healthPath))
        problems.push(`console health check does not call ${EXPECT.healthPath}`);
    }
    return problems;
  },

  "the console image has a HEALTHCHECK calling /api/health with node": (d) => {
    const df = d.dockerfiles.console;
    const check = healthcheckOf(df, finalStage(df));
    if (!check || check.none) return ["console image has no HEALTHCHECK"];
    const argv = Array.isArray(check.command) ? check.command : undefined;
    const problems: string[] = [];
    if (argv?.[0] !== "node")
      problems.push("HEALTHCHECK is not `node ...` in exec form (the slim image has no curl)");
    if (!(argv ?? [check.command]).join(" ").includes(EXPECT.healthPath))
      problems.push(`HEALTHCHECK does not call ${EXPECT.healthPath}`);
    return problems;
  },

  "named volumes are declared, used, and hold the data directories": (d) => {
    const problems: string[] = [];
    const declared = new Set(Object.keys(asObject(d.compose.volumes) ?? {}));
    const used = new Set<string>();
    for (const [name, svc] of Object.entries(asObject(d.compose.services) ?? {})) {
      for (const mount of mounts(asObject(svc))) {
        if (mount.type !== "volume" || !mount.source) continue;
        used.add(mount.source);
        if (!declared.has(mount.source))
          problems.push(`${name} uses volume "${mount.source}", which is not declared`);
      }
    }
    for (const name of declared)
      if (!used.has(name)) problems.push(`volume "${name}" is declared but unused`);
    const expectations: [string, string, string][] = [
      ["postgres", "pgdata", EXPECT.postgresDataDir],
      ["console", "dockfleet-data", EXPECT.dataDir],
      ["agent", "agent-state", EXPECT.agentStateDir],
    ];
    for (const [svc, volume, target] of expectations) {
      const found = mounts(service(d, svc)).some(
        (mount) => mount.type === "volume" && mount.source === volume && mount.target === target,
      );
      if (!found) problems.push(`${svc} does not mount named volume "${volume}" at ${target}`);
    }
    return problems;
  },

  "the images declare the data directories compose mounts": (d) => {
    const problems: string[] = [];
    const consoleDf = d.dockerfiles.console;
    const consoleFinal = finalStage(consoleDf);
    if (!listValues(consoleDf, consoleFinal, "VOLUME").includes(EXPECT.dataDir))
      problems.push(`console image has no VOLUME ${EXPECT.dataDir}`);
    const imageDir = envOf(consoleDf, consoleFinal).DOCKFLEET_DATA_DIR;
    if (imageDir !== EXPECT.dataDir) problems.push(`console image sets DOCKFLEET_DATA_DIR=${imageDir}`);
    const composeDir = environment(service(d, "console")).DOCKFLEET_DATA_DIR;
    if (composeDir !== undefined && composeDir !== EXPECT.dataDir)
      problems.push(`compose sets DOCKFLEET_DATA_DIR=${composeDir}`);
    const agentDf = d.dockerfiles.agent;
    if (!listValues(agentDf, finalStage(agentDf), "VOLUME").includes(EXPECT.agentStateDir))
      problems.push(`agent image has no VOLUME ${EXPECT.agentStateDir}`);
    return problems;
  },

  "the console starts only once postgres is healthy": (d) => {
    const dependsOn = asObject(service(d, "console")?.depends_on);
    const condition = asObject(dependsOn?.postgres)?.condition;
    return condition === "service_healthy"
      ? []
      : [`console depends on postgres with condition ${String(condition)}`];
  },

  "compose holds no password or other secret literal": (d) => {
    const problems: string[] = [];
    const secretName = /PASSWORD|SECRET|TOKEN|(^|_)KEY$|PASSPHRASE/i;
    // `${NAME}`, `${NAME:?message}` or an empty default; `${NAME:-hunter2}` is a literal in disguise.
    const isReference = (value: string) => value === "" || /^\$\{\w+(?::?\?[^}]*|:?-)?\}$/.test(value);
    for (const [name, svc] of Object.entries(asObject(d.compose.services) ?? {})) {
      for (const [key, value] of Object.entries(environment(asObject(svc))))
        if (secretName.test(key) && !isReference(value)) problems.push(`${name}: ${key} carries a literal`);
    }
    for (const [where, text] of strings(d.compose)) {
      for (const match of text.matchAll(/\b(\w+)=("[^"]*"|'[^']*'|\S+)/g))
        if (
          match[1] &&
          secretName.test(match[1]) &&
          !isReference(match[2]?.replace(/^["']|["']$/g, "") ?? "")
        )
          problems.push(`${where}: ${match[1]} is assigned a literal`);
      for (const match of text.matchAll(/[a-z][\w+.-]*:\/\/[^:/@\s]+:([^@\s]*)@/gi))
        if (!isReference(match[1] ?? "")) problems.push(`${where}: a URL carries a literal password`);
    }
    return problems;
  },

  "a plain `up` requires POSTGRES_PASSWORD and nothing else": (d) => {
    const problems: string[] = [];
    const all = strings(d.compose).flatMap(([, text]) => references(text));
    const required = new Set(all.filter((ref) => ref.modifier.endsWith("?")).map((ref) => ref.name));
    for (const name of required)
      if (!(EXPECT.requiredVariables as readonly string[]).includes(name))
        problems.push(`${name} is required, but Compose interpolates inactive profiles too`);
    for (const name of EXPECT.requiredVariables) {
      const uses = all.filter((ref) => ref.name === name);
      if (uses.length === 0) problems.push(`${name} is never used`);
      if (uses.some((ref) => ref.modifier !== ":?"))
        problems.push(`${name} is used without \${${name}:?...}`);
    }
    const dbUrl = environment(service(d, "console")).DATABASE_URL ?? "";
    if (!references(dbUrl).some((ref) => ref.name === "POSTGRES_PASSWORD"))
      problems.push("DATABASE_URL is not built from POSTGRES_PASSWORD");
    return problems;
  },

  "only the agent mounts the Docker socket, and only with its profile": (d) => {
    const problems: string[] = [];
    for (const [name, svc] of Object.entries(asObject(d.compose.services) ?? {})) {
      const socket = mounts(asObject(svc)).some((mount) =>
        `${mount.source} ${mount.target}`.includes("docker.sock"),
      );
      if (socket && name !== "agent") problems.push(`${name} mounts the Docker socket`);
    }
    const agent = service(d, "agent");
    if (!mounts(agent).some((m) => m.source === EXPECT.dockerSocket && m.target === EXPECT.dockerSocket))
      problems.push(`agent does not mount ${EXPECT.dockerSocket}`);
    const profiles = Array.isArray(agent?.profiles) ? agent.profiles : [];
    if (!profiles.includes("agent")) problems.push("agent is not behind the `agent` profile");
    // The image runs unprivileged: the socket's group is its way in.
    if (!Array.isArray(agent?.group_add) || agent.group_add.length === 0)
      problems.push("agent has no group_add for the socket's group");
    return problems;
  },

  "the services restart unless stopped": (d) =>
    ["postgres", "console", "agent"]
      .filter((name) => service(d, name)?.restart !== "unless-stopped")
      .map((name) => `${name} restart is ${String(service(d, name)?.restart)}`),

  "compose builds each image from the repository root with its Dockerfile and ignore file": (d) => {
    const problems: string[] = [];
    const composeDir = path.posix.dirname(FILES.compose);
    for (const [name, dockerfile] of [
      ["console", FILES.console],
      ["agent", FILES.agent],
    ] as const) {
      const build = asObject(service(d, name)?.build);
      const context = path.posix.normalize(path.posix.join(composeDir, String(build?.context ?? ".")));
      if (context !== ".") problems.push(`${name} builds from ${context}, not the repository root`);
      const file = path.posix.join(context, String(build?.dockerfile ?? "Dockerfile"));
      if (file !== dockerfile) problems.push(`${name} builds ${file}, not ${dockerfile}`);
      if (d.read(`${dockerfile}.dockerignore`) === undefined)
        problems.push(`${dockerfile}.dockerignore is missing`);
    }
    return problems;
  },

  "each builder runs npm ci then npm run build on node:20-bookworm-slim": (d) => {
    const problems: string[] = [];
    for (const [name, df] of Object.entries(d.dockerfiles)) {
      const builder = builderStage(df);
      if (!builder) {
        problems.push(`${name}: no stage runs npm run build`);
        continue;
      }
      const chain = stageChain(df, builder);
      if (chain[0]?.from !== EXPECT.builderImage)
        problems.push(`${name}: builder starts from ${chain[0]?.from}`);
      const commands = runs(effectiveInstructions(df, builder));
      const ci = commands.findIndex((args) => runsNpm(args, NPM_CI) && !/--omit[= ]dev/.test(args));
      const build = commands.findIndex((args) => runsNpm(args, NPM_BUILD));
      if (ci < 0 || ci > build)
        problems.push(`${name}: the builder does not run a full npm ci before npm run build`);
    }
    return problems;
  },

  "every workspace manifest and the lockfile are copied before npm ci": (d) => {
    const problems: string[] = [];
    for (const [name, df] of Object.entries(d.dockerfiles)) {
      const builder = builderStage(df);
      if (!builder) continue;
      const before: string[] = [];
      for (const instruction of effectiveInstructions(df, builder)) {
        if (instruction.keyword === "RUN" && runsNpm(instruction.args, NPM_CI)) break;
        if (instruction.keyword === "COPY" && !instruction.flags.some((flag) => flag.name === "from"))
          before.push(...(execForm(instruction.args) ?? splitWords(instruction.args)).slice(0, -1));
      }
      const wanted = ["package.json", "package-lock.json", ...d.workspaces.map((ws) => `${ws}/package.json`)];
      for (const file of wanted)
        if (!before.includes(file) && !before.includes("."))
          problems.push(`${name}: ${file} is not copied before npm ci`);
    }
    return problems;
  },

  "the final stages run as a non-root user": (d) => {
    const problems: string[] = [];
    for (const [name, df] of Object.entries(d.dockerfiles)) {
      const user = lastValue(df, finalStage(df), "USER");
      if (isRootUser(user)) problems.push(`${name}: final stage runs as ${user ?? "root (no USER)"}`);
    }
    for (const name of ["console", "agent"]) {
      const user = service(d, name)?.user;
      if (user !== undefined && isRootUser(String(user)))
        problems.push(`compose runs ${name} as ${String(user)}`);
    }
    return problems;
  },

  "the runtime stages start from slim Node images in production mode": (d) => {
    const problems: string[] = [];
    for (const [name, df, image] of [
      ["console", d.dockerfiles.console, EXPECT.consoleImage],
      ["agent", d.dockerfiles.agent, EXPECT.agentImage],
    ] as const) {
      const stage = finalStage(df);
      if (stageChain(df, stage)[0]?.from !== image)
        problems.push(`${name}: final stage is not FROM ${image}`);
      if (envOf(df, stage).NODE_ENV !== "production") problems.push(`${name}: NODE_ENV is not production`);
    }
    return problems;
  },

  "the CMDs start the build outputs, copied from the builder": (d) => {
    const problems: string[] = [];
    for (const [name, df, entry, flags] of [
      ["console", d.dockerfiles.console, EXPECT.consoleEntry, EXPECT.consoleNodeArgs],
      ["agent", d.dockerfiles.agent, EXPECT.agentEntry, EXPECT.agentNodeArgs],
    ] as const) {
      const instructions = effectiveInstructions(df, finalStage(df));
      const cmd = instructions.filter((i) => i.keyword === "CMD").pop();
      const argv = cmd && execForm(cmd.args);
      if (instructions.some((i) => i.keyword === "ENTRYPOINT"))
        problems.push(`${name}: an ENTRYPOINT wraps the CMD`);
      const want = ["node", ...flags, entry];
      if (JSON.stringify(argv) !== JSON.stringify(want)) {
        problems.push(`${name}: CMD is ${cmd?.args ?? "missing"}, not ${JSON.stringify(want)} in exec form`);
        continue;
      }
      problems.push(...copiedFromBuild(df, name, entry));
    }
    return problems;
  },

  "the console image carries the agent bundle that Add host uploads": (d) =>
    copiedFromBuild(d.dockerfiles.console, "console", EXPECT.agentEntry),

  "the ignore files keep host builds and secrets out, and the manifests in": (d) => {
    const problems: string[] = [];
    const mustExclude = [
      "node_modules/next/package.json",
      "apps/web/node_modules/x/index.js",
      "apps/web/.next/BUILD_ID",
      "apps/web/dist/main.js",
      "apps/agent/dist/agent.cjs",
      ".git/HEAD",
      ".env",
      "docker/.env",
      "apps/web/.env.local",
    ];
    for (const [name, df] of Object.entries(d.dockerfiles)) {
      const file = `${FILES[name as "console" | "agent"]}.dockerignore`;
      const text = d.read(file);
      if (text === undefined) {
        problems.push(`${file} is missing`);
        continue;
      }
      const ignored = dockerignore(text);
      for (const path of mustExclude)
        if (!ignored(path)) problems.push(`${file} lets ${path} into the context`);
      const copied = df.stages.flatMap((stage) =>
        stage.instructions
          .filter((i) => i.keyword === "COPY" && !i.flags.some((flag) => flag.name === "from"))
          .flatMap((i) => (execForm(i.args) ?? splitWords(i.args)).slice(0, -1)),
      );
      const needed = [
        ...copied.filter((source) => source !== "."),
        "apps/web/src/main.ts",
        "prisma/schema.prisma",
      ];
      for (const path of needed)
        if (ignored(path)) problems.push(`${file} leaves out ${path}, which the build needs`);
    }
    return problems;
  },

  "the agent image builds exactly like the console, so the build cache is shared": (d) => {
    const describeStage = (df: Dockerfile, stage: Stage | undefined) =>
      stage
        ? stageChain(df, stage).map((link) => ({
            name: link.name,
            from: link.from,
            instructions: link.instructions.map(({ keyword, flags, args }) => ({ keyword, flags, args })),
          }))
        : undefined;
    const problems: string[] = [];
    const consoleBuild = describeStage(d.dockerfiles.console, builderStage(d.dockerfiles.console));
    const agentBuild = describeStage(d.dockerfiles.agent, builderStage(d.dockerfiles.agent));
    if (JSON.stringify(consoleBuild) !== JSON.stringify(agentBuild))
      problems.push("the agent's build stages differ from the console's");
    if (d.read(`${FILES.console}.dockerignore`) !== d.read(`${FILES.agent}.dockerignore`))
      problems.push("the two ignore files differ");
    return problems;
  },
} satisfies Record<string, Check>;

/**
 * Packages the console server loads at run time (esbuild leaves npm packages external) that the
 * runtime image would lack: neither a production package of the lockfile nor copied in explicitly.
 */
export function missingRuntimePackages(d: Deployment, externals: string[]): string[] {
  const df = d.dockerfiles.console;
  const modules = resolvePath(workdirOf(df, finalStage(df)), "node_modules");
  const copied = new Set(
    copiesOf(df, finalStage(df))
      .filter((copy) => copy.destination.startsWith(`${modules}/`))
      .map((copy) => copy.destination.slice(modules.length + 1).replace(/\/$/, "")),
  );
  const packageOf = (specifier: string) =>
    specifier
      .split("/")
      .slice(0, specifier.startsWith("@") ? 2 : 1)
      .join("/");
  const missing = new Set<string>();
  for (const specifier of externals) {
    const name = packageOf(specifier);
    if (specifier.startsWith("node:") || builtinModules.includes(name)) continue;
    const locked = d.lockPackages[`node_modules/${name}`];
    if ((!locked || locked.dev) && !copied.has(name)) missing.add(name);
  }
  return [...missing].sort();
}
