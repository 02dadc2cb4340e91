/** container.terminal: an interactive exec with a TTY; keystrokes and resizes come through the inbox. */
import { randomUUID } from "node:crypto";
import type { StreamInput } from "@dockfleet/protocol";
import { type DockerClient, type ExecSession, execInteractive, execRun } from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

/** Feeds the console's input to the session until the inbox ends (the stream stopped). */
async function feed(session: ExecSession, inbox: AsyncIterable<StreamInput<"container.terminal">>) {
  for await (const message of inbox) {
    if (message.kind === "stdin") session.stream.write(Buffer.from(message.data, "base64"));
    // A resize racing the command's exit fails harmlessly.
    else await session.resize({ rows: message.rows, cols: message.cols }).catch(() => undefined);
  }
}

/** Set in the terminal's environment (its children inherit it): how its processes are found again. */
const markerVariable = "DOCKFLEET_TERMINAL";

/**
 * Hangs up a terminal that was stopped (closed, abandoned, or its link gone). Closing the exec's
 * connection is not enough: the Engine keeps the TTY open and the shell runs on, orphaned, with
 * no API to end an exec. So another exec sends SIGHUP, as a closing terminal does, to every
 * process that carries this terminal's marker: the shell and what it started. What ignores SIGHUP
 * (`nohup`) stays, as after an SSH session. It needs `sh` in the container, as the shell did;
 * without one the exec is left running, as before.
 */
async function hangUp(docker: DockerClient, containerId: string, marker: string, user?: string) {
  const script = `for f in /proc/[0-9]*/environ; do
  if tr '\\0' '\\n' < "$f" 2>/dev/null | grep -qx "${markerVariable}=$1"; then
    p=\${f#/proc/}; kill -HUP "\${p%/environ}" 2>/dev/null
  fi
done`;
  await execRun(docker, containerId, { cmd: ["sh", "-c", script, "hangup", marker], user }).catch(
    () => undefined,
  );
}

export const terminalHandlers = {
  "container.terminal": async (ctx, input, signal, inbox) => {
    const { containerId, env, ...spec } = input;
    const docker = await ctx.docker();
    const marker = randomUUID();
    const session = await execInteractive(
      docker,
      containerId,
      { ...spec, env: { ...env, [markerVariable]: marker } },
      signal,
    );
    signal.addEventListener("abort", () => void hangUp(docker, containerId, marker, spec.user), {
      once: true,
    });
    void feed(session, inbox).catch(() => session.stream.destroy());
    let exitCode: number | null = null;
    async function* screen() {
      for await (const chunk of session.stream as AsyncIterable<Buffer>)
        yield { data: chunk.toString("base64") };
      exitCode = signal.aborted ? null : await session.exit;
    }
    return { items: screen(), result: () => ({ exitCode }) };
  },
} satisfies Partial<Handlers>;
