/** Fixtures for the containers domain's integration tests: a web terminal opened as the browser opens it. */
import type { ApiClient } from "../testing/api-client.ts";
import type { TerminalEvent } from "./terminal.ts";

/** Typed text as terminalInput carries it. */
export const keys = (text: string) => ({
  kind: "stdin" as const,
  data: Buffer.from(text).toString("base64"),
});

export interface TestTerminal {
  sessionId: string;
  /** What the terminal printed so far. */
  screen(): string;
  /** Resolves once the stream ended: with the shell's exit code, undefined when it ended otherwise. */
  exited(): Promise<number | null | undefined>;
  /** Leaves the subscription, as a browser tab that closes. */
  close(): void;
}

/** Opens `containers.terminal` over SSE on `client`'s console and reads its screen in the background. */
export async function openTestTerminal(
  client: ApiClient,
  input: { hostId: string; containerId: string; size?: { rows: number; cols: number } },
): Promise<TestTerminal> {
  const abort = new AbortController();
  const events = client.subscribe<TerminalEvent>("containers.terminal", input, abort.signal);
  const first = await events.next();
  if (first.done || first.value.kind !== "opened")
    throw new Error(`expected "opened", got ${JSON.stringify(first.value)}`);
  let screen = "";
  let exitCode: number | null | undefined;
  const reading = (async () => {
    for await (const event of events) {
      if (event.kind === "output") screen += Buffer.from(event.data, "base64").toString();
      else if (event.kind === "exited") exitCode = event.exitCode;
    }
  })().catch(() => undefined);
  return {
    sessionId: first.value.sessionId,
    screen: () => screen,
    exited: async () => {
      await reading;
      return exitCode;
    },
    close: () => abort.abort(),
  };
}
