/**
 * Test-only: the agent as hosts run it — the esbuild bundle, copied outside the repository (so no
 * node_modules can be found), started with plain `node` and stopped by its PID.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL("../../build.mjs", import.meta.url));

export interface AgentBundle {
  /** The bundle's path, in a temp directory of its own. */
  file: string;
  dir: string;
  remove(): Promise<void>;
}

/** Bundles the agent into a fresh temp directory. */
export async function buildAgentBundle(): Promise<AgentBundle> {
  const dir = await mkdtemp(join(tmpdir(), "dftest-agent-bundle-"));
  const file = join(dir, "agent.cjs");
  await run(process.execPath, [buildScript, file]);
  return { file, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface AgentProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when its output matches (polled; no time limit). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code when it exits. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Only what the test gives, plus PATH: nothing of the test runner's environment leaks in. */
function agentEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } as unknown as NodeJS.ProcessEnv;
}

export interface StartAgentOptions {
  /** Runs the agent through this command, e.g. `["nsenter", "-t", PID, "-n", "--"]` to put it in a lab host. */
  prefix?: string[];
  /** Node flags before the bundle, e.g. the ones hosts run it with (V8 takes some only there). */
  nodeArgs?: readonly string[];
}

export function startAgent(
  bundle: string,
  env: Record<string, string>,
  options: StartAgentOptions = {},
): AgentProcess {
  const [command = process.execPath, ...args] = [
    ...(options.prefix ?? []),
    process.execPath,
    ...(options.nodeArgs ?? []),
    bundle,
  ];
  const child = spawn(command, args, {
    cwd: tmpdir(),
    env: agentEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const append = (chunk: Buffer) => {
    text += chunk.toString();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => text,
    async waitFor(pattern) {
      for (;;) {
        const match = text.match(pattern);
        if (match) return match;
        if (child.exitCode !== null)
          throw new Error(`the agent exited (${child.exitCode}) without printing ${pattern}:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    exited,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the bundle once with arguments (`--version`, `doctor`) and returns its exit code and output. */
export async function runAgentCommand(
  bundle: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bundle, ...args], {
      cwd: tmpdir(),
      env: agentEnv(env),
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: (failed.stdout ?? "") + (failed.stderr ?? "") };
  }
}
