/** Fixtures for the containers domain's integration tests: a web terminal opened as the browser opens it. */
import type { ApiClient } from "../testing/api-client.ts";
import type { TerminalEvent } from "./terminal.ts";

/** Typed text as terminalInput carries it. */
export const keys = (text: string) => ({
  kind: "stdin" as const,
  data: Buffer.from(text).toString("base64"),
});

/** How the fixture's screen shows bytes a reattach missed for good. */
export const skippedMarker = (bytes: number) => `[${bytes} bytes skipped]`;

export interface TestTerminal {
  sessionId: string;
  /** What the terminal printed so far, over every connection (a skip shown as `skippedMarker`). */
  screen(): string;
  /** The id of the last event received: what a reconnecting browser sends back. */
  lastEventId(): string;
  /** Resolves once the current connection's stream ended: with the shell's exit code, undefined when it ended otherwise. */
  exited(): Promise<number | null | undefined>;
  /** Cuts the connection, as a network drop does: the session is left to its grace period. */
  drop(): Promise<void>;
  /**
   * Reconnects as httpSubscriptionLink does (the same input, the last event id), through `client`
   * (by default the opener's); resolves on `reattached`, rejects with the console's refusal.
   */
  reattach(client?: ApiClient): Promise<void>;
  /** Closes the terminal as the panel does when the user closes it: terminalClose, then leaves. */
  close(): Promise<void>;
}

interface Connection {
  abort: AbortController;
  /** Settles when the stream ended: its exit code, undefined when it stopped otherwise. */
  ended: Promise<number | null | undefined>;
}

/** Opens `containers.terminal` over SSE on `client`'s console and reads its screen in the background. */
export async function openTestTerminal(
  client: ApiClient,
  input: { hostId: string; containerId: string; size?: { rows: number; cols: number } },
): Promise<TestTerminal> {
  let screen = "";
  let lastEventId = "";
  /** Follows one connection; resolves once its first event (`expected`) came, or rejects with its error. */
  function connect(through: ApiClient, expected: TerminalEvent["kind"], resumeFrom?: string) {
    const abort = new AbortController();
    const events = through.subscribeTracked<TerminalEvent>("containers.terminal", input, {
      signal: abort.signal,
      lastEventId: resumeFrom,
    });
    let started: (event: TerminalEvent) => void = () => undefined;
    let failed: (error: unknown) => void = () => undefined;
    const first = new Promise<TerminalEvent>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    const ended = (async () => {
      let exitCode: number | null | undefined;
      for await (const { id, data: event } of events) {
        if (id !== undefined) lastEventId = id;
        if (event.kind === "output") screen += Buffer.from(event.data, "base64").toString();
        else if (event.kind === "reattached" && event.skippedBytes > 0)
          screen += skippedMarker(event.skippedBytes);
        else if (event.kind === "exited") exitCode = event.exitCode;
        started(event);
      }
      return exitCode;
    })();
    ended.catch(failed);
    const connection: Connection = { abort, ended: ended.catch(() => undefined) };
    return first.then((event) => {
      if (event.kind !== expected) throw new Error(`expected "${expected}", got ${JSON.stringify(event)}`);
      return { connection, event };
    });
  }

  let { connection, event } = await connect(client, "opened");
  const sessionId = (event as { sessionId: string }).sessionId;
  const drop = async () => {
    connection.abort.abort();
    await connection.ended;
  };
  return {
    sessionId,
    screen: () => screen,
    lastEventId: () => lastEventId,
    exited: () => connection.ended,
    drop,
    async reattach(through = client) {
      await drop();
      ({ connection } = await connect(through, "reattached", lastEventId));
    },
    async close() {
      await client.mutate("containers.terminalClose", { hostId: input.hostId, sessionId });
      await drop();
    },
  };
}
