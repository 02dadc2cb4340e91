/**
 * Commands inside running containers: interactive sessions with a TTY (for a web terminal: a duplex
 * stream, resize, exit code) and plain runs that return the exit code with stdout and stderr apart.
 */
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { z } from "zod";
import type { DockerClient } from "./client.ts";
import { engineCall, RuntimeError, toRuntimeError } from "./errors.ts";
import { FrameDemuxer } from "./logs/demux.ts";
import { parseInput } from "./parse-input.ts";

const envName = z.string().regex(/^[^=\s][^=]*$/, "must be a variable name without '='");

export const ExecSpecSchema = z.object({
  cmd: z.array(z.string()).min(1, "needs the command to run"),
  env: z.record(envName, z.string()).default({}),
  user: z.string().min(1).optional(),
  workingDir: z.string().regex(/^\//, "must be an absolute path").optional(),
  privileged: z.boolean().default(false),
});
export type ExecSpec = z.input<typeof ExecSpecSchema>;

export const TerminalSizeSchema = z.object({
  rows: z.number().int().min(1).max(1000),
  cols: z.number().int().min(1).max(1000),
});
export type TerminalSize = z.infer<typeof TerminalSizeSchema>;

export const InteractiveExecSpecSchema = ExecSpecSchema.extend({ size: TerminalSizeSchema.optional() });
export type InteractiveExecSpec = z.input<typeof InteractiveExecSpecSchema>;

export const RunExecSpecSchema = ExecSpecSchema.extend({
  /** Written to the command's stdin, which is then closed. */
  stdin: z.union([z.string(), z.instanceof(Buffer)]).optional(),
  /** Output kept per stream; more is dropped and `truncated` set, so a chatty command cannot exhaust memory. */
  maxOutputBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
});
export type RunExecSpec = z.input<typeof RunExecSpecSchema>;

export const ExecResultSchema = z.object({
  exitCode: z.number().int(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
});
export type ExecResult = z.infer<typeof ExecResultSchema>;

export interface ExecSession {
  /** The execId, for resize from elsewhere. */
  readonly id: string;
  /** Raw terminal bytes both ways: write keystrokes, read the screen. End it to hang up. */
  readonly stream: Duplex;
  resize(size: TerminalSize): Promise<void>;
  /** The command's exit code once it has ended. */
  readonly exit: Promise<number>;
}

type ParsedExec = z.output<typeof ExecSpecSchema>;

async function createExec(
  client: DockerClient,
  ref: string,
  spec: ParsedExec,
  io: { tty: boolean; stdin: boolean },
): Promise<Docker.Exec> {
  return engineCall(`exec in container "${ref}"`, () =>
    client.docker.getContainer(ref).exec({
      Cmd: spec.cmd,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      User: spec.user,
      WorkingDir: spec.workingDir,
      Privileged: spec.privileged,
      Tty: io.tty,
      AttachStdin: io.stdin,
      AttachStdout: true,
      AttachStderr: true,
    }),
  );
}

/**
 * The exit code of a finished exec. The stream can close a moment before the Engine records the
 * exit, so it asks again until the exec no longer runs.
 */
async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
    const info = await engineCall("inspect exec", () => exec.inspect());
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await sleep(delay);
  }
}

async function resizeExec(exec: Docker.Exec, size: TerminalSize): Promise<void> {
  const parsed = parseInput(TerminalSizeSchema, size, "resize exec");
  await engineCall("resize exec", () => exec.resize({ h: parsed.rows, w: parsed.cols }));
}

/** Starts an interactive command with a TTY, e.g. a shell for a web terminal. */
export async function execInteractive(
  client: DockerClient,
  ref: string,
  spec: InteractiveExecSpec,
  signal?: AbortSignal,
): Promise<ExecSession> {
  const parsed = parseInput(InteractiveExecSpecSchema, spec, `exec in container "${ref}"`);
  const exec = await createExec(client, ref, parsed, { tty: true, stdin: true });
  const stream = (await engineCall(`start exec in container "${ref}"`, () =>
    exec.start({ hijack: true, stdin: true, Tty: true, abortSignal: signal }),
  )) as Duplex;
  signal?.addEventListener("abort", () => stream.destroy(), { once: true });
  const ended = new Promise<void>((resolve) => stream.once("close", () => resolve()));
  // The Engine (API 1.41) takes the size only once the process runs.
  if (parsed.size) await resizeExec(exec, parsed.size).catch(() => undefined);
  return {
    id: exec.id,
    stream,
    resize: (size) => resizeExec(exec, size),
    exit: ended.then(() => exitCodeOf(exec)),
  };
}

class Collector {
  private readonly parts: Buffer[] = [];
  private bytes = 0;
  truncated = false;
  constructor(private readonly limit: number) {}

  add(payload: Buffer): void {
    const room = this.limit - this.bytes;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = payload.length > room ? payload.subarray(0, room) : payload;
    if (kept.length < payload.length) this.truncated = true;
    this.parts.push(kept);
    this.bytes += kept.length;
  }

  text(): string {
    return Buffer.concat(this.parts).toString("utf8");
  }
}

/** Runs a command to completion without a TTY; stdout and stderr come back apart. */
export async function execRun(
  client: DockerClient,
  ref: string,
  spec: RunExecSpec,
  signal?: AbortSignal,
): Promise<ExecResult> {
  const parsed = parseInput(RunExecSpecSchema, spec, `exec in container "${ref}"`);
  const withStdin = parsed.stdin !== undefined;
  const exec = await createExec(client, ref, parsed, { tty: false, stdin: withStdin });
  const stream = (await engineCall(`start exec in container "${ref}"`, () =>
    exec.start({ hijack: true, stdin: withStdin, Tty: false, abortSignal: signal }),
  )) as Duplex;
  signal?.addEventListener("abort", () => stream.destroy(), { once: true });
  if (withStdin) stream.end(parsed.stdin); // half-close: the command sees end of input
  const out = new Collector(parsed.maxOutputBytes);
  const err = new Collector(parsed.maxOutputBytes);
  const demuxer = new FrameDemuxer();
  try {
    for await (const chunk of stream) {
      for (const frame of demuxer.push(chunk as Buffer))
        (frame.stream === "stderr" ? err : out).add(frame.payload);
    }
  } catch (error) {
    if (signal?.aborted) throw new RuntimeError("aborted", `exec in container "${ref}": cancelled`);
    throw toRuntimeError(error, `exec in container "${ref}"`);
  }
  return {
    exitCode: await exitCodeOf(exec),
    stdout: out.text(),
    stderr: err.text(),
    truncated: out.truncated || err.truncated,
  };
}
