/**
 * The web terminals open on one console replica, and their input from any replica. A session id
 * names the replica holding the session, so the replica a keystroke lands on sends it straight
 * there over the link's bus (no lookup, no table); the holder checks the session is the sender's.
 *
 * Order: the holder hands input to the session's stream as the bus delivers it, and answers only
 * then. The browser sends one call at a time, so by the time its next keystroke reaches any
 * replica the previous one is in the stream (the bus keeps one replica's messages in order too).
 *
 * A browser that lost its event stream reattaches to its session on the holder (terminal-session.ts
 * keeps the shell and its recent output meanwhile). Only there: a reconnect landing on another
 * replica is told the session is elsewhere, since streaming a screen across replicas would need
 * the bus to carry it both ways, which it does not do for terminals.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { LinkError, type TerminalInput, TerminalInputSchema } from "@dockfleet/protocol";
import { z } from "zod";
import type { LinkRegistry, LinkStream } from "../link/registry.ts";
import { replicaIdBytes } from "../link/remote.ts";
import { type TerminalOwner, TerminalSession, type TerminalSessionOptions } from "./terminal-session.ts";

/** Who sends input where: only the user who opened the session, on its host, may type into it. */
export interface TerminalTarget {
  userId: string;
  hostId: string;
  sessionId: string;
}

/** Where a reattaching browser's session stands. */
export type Reattachment =
  | { kind: "attached"; session: TerminalSession }
  /** It was the caller's, and ended: `why` completes "the terminal ended: …". */
  | { kind: "ended"; why: string }
  | { kind: "elsewhere" }
  | { kind: "not_found" };

export type TerminalSettings = TerminalSessionOptions;

/**
 * Long enough to ride out what drops an event stream — a Wi-Fi or VPN change, a proxy's idle
 * timeout, a laptop lid closed for a coffee — with the shell and what runs in it intact; short
 * enough that shells nobody comes back to (a crashed browser: closing a tab ends its shell at once)
 * do not pile up. Each costs one exec on its host and at most `terminalRingBytes` here.
 */
export const terminalGraceMs = 5 * 60_000;
/** About a screenful of xterm's scrollback (1,000 lines of 100-200 bytes with their escapes). */
export const terminalRingBytes = 256 * 1024;
/** How long a reattach is told why its terminal ended, rather than that there is none. */
const endedKeptMs = 30 * 60_000;
const endedKeptMax = 1_000;

export type Delivery = "ok" | "not_found";

const inputTopic = "terminal.input";
const closeTopic = "terminal.close";
/** As long as a command may take on the link by default before it is a timeout. */
const forwardTimeoutMs = 30_000;

const ForwardedTarget = z.object({ userId: z.string(), hostId: z.string(), sessionId: z.string() });
const ForwardedInput = ForwardedTarget.extend({ input: TerminalInputSchema });
const DeliverySchema = z.enum(["ok", "not_found"]);

/**
 * Where a replica's id sits in its session ids (UUID v8, RFC 9562's layout of one's own): the
 * bytes around the version (6) and variant (8) bits. The other 58 bits are random.
 */
const replicaBytes = [0, 1, 2, 3, 4, 5, 7, 9];

export function newSessionId(replicaId: string): string {
  const bytes = randomBytes(16);
  const replica = Buffer.from(replicaId, "hex");
  if (replica.length !== replicaIdBytes) throw new Error(`not a replica id: ${replicaId}`);
  replicaBytes.forEach((at, index) => {
    bytes[at] = replica[index] ?? 0;
  });
  bytes[6] = 0x80 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString("hex");
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
}

/** The replica a session id names; undefined for an id this scheme did not make. */
export function holderOfSession(sessionId: string): string | undefined {
  const hex = sessionId.replaceAll("-", "").toLowerCase();
  if (!/^[0-9a-f]{12}8[0-9a-f]{3}[89ab][0-9a-f]{15}$/.test(hex)) return undefined;
  const bytes = Buffer.from(hex, "hex");
  return Buffer.from(replicaBytes.map((at) => bytes[at] ?? 0)).toString("hex");
}

class TerminalSessions {
  private readonly sessions = new Map<string, TerminalSession>();
  /** Sessions let go, kept a while (oldest first) so a late reattach learns why. */
  private readonly ended = new Map<string, { owner: TerminalOwner; why: string; at: number }>();

  constructor(
    private readonly link: LinkRegistry,
    private readonly settings: TerminalSettings,
  ) {
    link.remote?.answer(inputTopic, (body) => {
      const parsed = ForwardedInput.safeParse(body);
      // Not zod's message: it could quote the keystrokes.
      if (!parsed.success) throw new LinkError("invalid", "malformed terminal input from another replica");
      const { input, ...target } = parsed.data;
      return this.deliver(target, input);
    });
    link.remote?.answer(closeTopic, (body) => {
      const parsed = ForwardedTarget.safeParse(body);
      if (!parsed.success) throw new LinkError("invalid", "a malformed terminal close from another replica");
      return this.closeHere(parsed.data);
    });
  }

  /** Takes over a shell's stream opened here; returns the session and its id. */
  open(
    owner: TerminalOwner,
    stream: LinkStream<"container.terminal">,
  ): { id: string; session: TerminalSession } {
    const replicaId = this.link.replicaId;
    const id = replicaId ? newSessionId(replicaId) : randomUUID();
    const session = new TerminalSession(owner, stream, this.settings, (why) => {
      this.sessions.delete(id);
      this.remember(id, owner, why);
    });
    this.sessions.set(id, session);
    return { id, session };
  }

  /** The session a reconnecting browser names, if it is the caller's, on that host and container. */
  reattach(target: TerminalTarget & { containerId: string }): Reattachment {
    const holder = holderOfSession(target.sessionId);
    if (holder !== undefined && this.link.replicaId !== undefined && holder !== this.link.replicaId)
      return { kind: "elsewhere" };
    const session = this.sessions.get(target.sessionId);
    if (session && isOwner(session.owner, target)) return { kind: "attached", session };
    const ended = this.ended.get(target.sessionId);
    if (ended && isOwner(ended.owner, target)) return { kind: "ended", why: ended.why };
    return { kind: "not_found" };
  }

  /**
   * Hands input to the session wherever it is held. Throws a LinkError when the holder cannot be
   * asked (`offline`: it stopped or is out of reach; `timeout`; `unsupported`: it holds no terminals).
   */
  send(target: TerminalTarget, input: TerminalInput): Promise<Delivery> {
    return this.atHolder(target, inputTopic, { ...target, input }, () => this.deliver(target, input));
  }

  /** Ends the session wherever it is held (the user closed it); throws like `send`. */
  close(target: TerminalTarget): Promise<Delivery> {
    return this.atHolder(target, closeTopic, target, () => this.closeHere(target));
  }

  private async atHolder(
    target: TerminalTarget,
    topic: string,
    body: unknown,
    here: () => Delivery,
  ): Promise<Delivery> {
    const holder = holderOfSession(target.sessionId);
    const remote = this.link.remote;
    if (!remote || holder === undefined || holder === remote.replicaId) return here();
    const answer = await remote.request(holder, topic, body, { timeoutMs: forwardTimeoutMs });
    const delivery = DeliverySchema.safeParse(answer);
    if (!delivery.success)
      throw new LinkError("invalid", `${topic}: an answer this replica does not understand`);
    return delivery.data;
  }

  private deliver(target: TerminalTarget, input: TerminalInput): Delivery {
    const session = this.owned(target);
    if (!session?.running) return "not_found";
    session.send(input);
    return "ok";
  }

  private closeHere(target: TerminalTarget): Delivery {
    const session = this.owned(target);
    if (!session) return "not_found";
    session.close();
    return "ok";
  }

  private owned(target: TerminalTarget): TerminalSession | undefined {
    const session = this.sessions.get(target.sessionId);
    return session && isOwner(session.owner, target) ? session : undefined;
  }

  private remember(id: string, owner: TerminalOwner, why: string): void {
    const now = Date.now();
    for (const [key, entry] of this.ended) {
      if (now - entry.at < endedKeptMs && this.ended.size < endedKeptMax) break;
      this.ended.delete(key);
    }
    this.ended.set(id, { owner, why, at: now });
  }
}

function isOwner(owner: TerminalOwner, target: TerminalTarget & { containerId?: string }): boolean {
  return (
    owner.userId === target.userId &&
    owner.hostId === target.hostId &&
    (target.containerId === undefined || owner.containerId === target.containerId)
  );
}

const defaultSettings: TerminalSettings = { graceMs: terminalGraceMs, ringBytes: terminalRingBytes };
const byConsole = new WeakMap<LinkRegistry, TerminalSessions>();

/** The terminal sessions of the console that `link` serves (made, and answering, on first use). */
export function terminalSessions(link: LinkRegistry): TerminalSessions {
  let sessions = byConsole.get(link);
  if (!sessions) {
    sessions = new TerminalSessions(link, defaultSettings);
    byConsole.set(link, sessions);
  }
  return sessions;
}

/**
 * Makes the console's terminal sessions with other settings (a test's short grace period); only
 * before its first terminal, since the sessions answer other replicas from then on.
 */
export function configureTerminals(link: LinkRegistry, settings: Partial<TerminalSettings>): void {
  if (byConsole.has(link)) throw new Error("this console's terminal sessions are already made");
  byConsole.set(link, new TerminalSessions(link, { ...defaultSettings, ...settings }));
}
