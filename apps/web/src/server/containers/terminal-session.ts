/**
 * One web terminal on the replica holding it: the shell's stream from the agent, its recent output
 * and who is watching. The session, not the browser's connection, owns the shell: a dropped
 * connection leaves the shell running for a grace period, and the browser that reconnects in time
 * is handed exactly the bytes after the last ones it had.
 */
import { type LinkError, type TerminalInput, toLinkError } from "@dockfleet/protocol";
import type { LinkStream } from "../link/registry.ts";
import { OutputRing } from "./terminal-ring.ts";

export interface TerminalOwner {
  userId: string;
  hostId: string;
  containerId: string;
}

export interface TerminalSessionOptions {
  /** How long a shell nobody watches keeps running before it is closed. */
  graceMs: number;
  /** The output kept for a viewer that comes back (the most a reattach can skip is the rest). */
  ringBytes: number;
}

/** What a viewer is shown; `offset` counts the output bytes the viewer has after the event. */
export type ScreenEvent =
  | { kind: "reattached"; skippedBytes: number; offset: number }
  | { kind: "output"; data: Buffer; offset: number }
  | { kind: "exited"; exitCode: number | null; offset: number };

type Outcome = { exitCode: number | null } | { error: LinkError };

/** Output per event, and per ring write (so one write never pushes out bytes a viewer waits for). */
export const screenPieceBytes = 64 * 1024;

export class TerminalSession {
  private readonly ring: OutputRing;
  private outcome: Outcome | undefined;
  /** Why the session was let go (closed, expired, its end shown); set once. */
  private goneWith: string | undefined;
  /** The one viewer: a newer attachment replaces an older one (whose connection may be half-dead). */
  private viewer: symbol | undefined;
  /** The offset the viewer has taken so far. */
  private viewerAt = 0;
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly waiting = new Set<() => void>();

  constructor(
    readonly owner: TerminalOwner,
    private readonly stream: LinkStream<"container.terminal">,
    private readonly options: TerminalSessionOptions,
    /** Called once, when the session is let go, with a reason fit for "the terminal ended: …". */
    private readonly onGone: (why: string) => void,
  ) {
    if (options.ringBytes < 2 * screenPieceBytes)
      throw new RangeError(`a terminal ring holds at least ${2 * screenPieceBytes} bytes`);
    this.ring = new OutputRing(options.ringBytes);
    this.startGrace();
    void this.pump();
  }

  /** False once the shell ended or the session was let go: input has nowhere to go. */
  get running(): boolean {
    return this.outcome === undefined && this.goneWith === undefined;
  }

  /** How many bytes the shell has printed: no viewer can have more. */
  get printed(): number {
    return this.ring.end;
  }

  send(input: TerminalInput): void {
    this.stream.send(input);
  }

  /** The user closed the terminal: the shell ends now, not after the grace period. */
  close(): void {
    this.letGo("it was closed");
    this.stream.cancel();
  }

  /**
   * Shows the screen from `from` to whoever iterates, until the shell ends, `signal` aborts (the
   * connection dropped: the grace period starts) or a newer viewer attaches. A reattachment first
   * says how many bytes it missed for good. The shell's failure is thrown once its output is shown.
   */
  async *watch(from: number, signal: AbortSignal, reattach: boolean): AsyncGenerator<ScreenEvent> {
    const me = Symbol("viewer");
    this.viewer = me;
    clearTimeout(this.graceTimer);
    this.wake(); // the viewer replaced, if any, leaves
    let at = Math.max(from, this.ring.start);
    this.viewerAt = at;
    const current = () => this.viewer === me && !signal.aborted;
    const stop = () => this.wake();
    signal.addEventListener("abort", stop, { once: true });
    try {
      if (reattach) yield { kind: "reattached", skippedBytes: at - from, offset: at };
      while (current()) {
        const piece = this.ring.read(at, screenPieceBytes);
        if (piece.data.length > 0) {
          at = piece.next;
          yield { kind: "output", data: piece.data, offset: at };
          this.viewerAt = at;
          this.wake();
        } else if (this.goneWith !== undefined) {
          return;
        } else if (this.outcome) {
          const outcome = this.outcome;
          this.letGo(endOf(outcome));
          if ("error" in outcome) throw outcome.error;
          yield { kind: "exited", exitCode: outcome.exitCode, offset: at };
          return;
        } else {
          await this.change();
        }
      }
    } finally {
      signal.removeEventListener("abort", stop);
      if (this.viewer === me) {
        this.viewer = undefined;
        this.wake();
        if (this.goneWith === undefined) this.startGrace();
      }
    }
  }

  /**
   * Moves the agent's output into the ring. Watched, a viewer that falls a ring behind pauses it
   * (and through the link's credits, the shell): nothing is lost while someone looks. Unwatched it
   * drains freely, the oldest bytes giving way: pausing would freeze the shell at its next write
   * for the whole grace period (an apt-get stalls, a psql session times out), while a terminal
   * that lost its screen should behave like one under tmux, going on and keeping the last screens.
   */
  private async pump(): Promise<void> {
    try {
      for await (const chunk of this.stream) {
        for (const item of chunk.items) {
          const bytes = Buffer.from(item.data, "base64");
          for (let at = 0; at < bytes.length; at += screenPieceBytes) {
            const piece = bytes.subarray(at, at + screenPieceBytes);
            while (this.viewer && this.ring.end + piece.length - this.viewerAt > this.ring.capacity)
              await this.change();
            this.ring.write(piece);
          }
        }
        this.wake();
      }
      this.end({ exitCode: (await this.stream.result).exitCode });
    } catch (error) {
      this.end({ error: toLinkError(error) });
    }
  }

  private end(outcome: Outcome): void {
    this.outcome = outcome;
    this.wake();
  }

  private startGrace(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => this.expire(), this.options.graceMs);
    this.graceTimer.unref();
  }

  private expire(): void {
    if (this.outcome) {
      this.letGo(endOf(this.outcome));
      return;
    }
    this.letGo(`nothing watched it for ${describeMs(this.options.graceMs)}, so it was closed`);
    this.stream.cancel();
  }

  private letGo(why: string): void {
    if (this.goneWith !== undefined) return;
    this.goneWith = why;
    clearTimeout(this.graceTimer);
    this.wake();
    this.onGone(why);
  }

  private change(): Promise<void> {
    return new Promise((resolve) => this.waiting.add(resolve));
  }

  private wake(): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const resolve of waiting) resolve();
  }
}

function endOf(outcome: Outcome): string {
  if (!("error" in outcome))
    return outcome.exitCode === null ? "the shell ended" : `the shell exited with code ${outcome.exitCode}`;
  // The host's name and last sighting are in the error the viewer got at the time; later, the cause.
  return outcome.error.code === "offline" ? "the host's agent disconnected" : outcome.error.message;
}

function describeMs(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}
