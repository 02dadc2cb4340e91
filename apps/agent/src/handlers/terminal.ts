/** container.terminal: an interactive exec with a TTY; keystrokes and resizes come through the inbox. */
import type { StreamInput } from "@dockfleet/protocol";
import { type ExecSession, execInteractive } from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

/** Feeds the console's input to the session until the inbox ends (the stream stopped). */
async function feed(session: ExecSession, inbox: AsyncIterable<StreamInput<"container.terminal">>) {
  for await (const message of inbox) {
    if (message.kind === "stdin") session.stream.write(Buffer.from(message.data, "base64"));
    // A resize racing the command's exit fails harmlessly.
    else await session.resize({ rows: message.rows, cols: message.cols }).catch(() => undefined);
  }
}

export const terminalHandlers = {
  "container.terminal": async (ctx, input, signal, inbox) => {
    const { containerId, ...spec } = input;
    const session = await execInteractive(await ctx.docker(), containerId, spec, signal);
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
