/**
 * The web terminals open on one console replica, and their input from any replica. A session id
 * names the replica holding the session, so the replica a keystroke lands on sends it straight
 * there over the link's bus (no lookup, no table); the holder checks the session is the sender's.
 *
 * Order: the holder hands input to the session's stream as the bus delivers it, and answers only
 * then. The browser sends one call at a time, so by the time its next keystroke reaches any
 * replica the previous one is in the stream (the bus keeps one replica's messages in order too).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { LinkError, type TerminalInput, TerminalInputSchema } from "@dockfleet/protocol";
import { z } from "zod";
import type { LinkRegistry, LinkStream } from "../link/registry.ts";
import { replicaIdBytes } from "../link/remote.ts";

export interface TerminalSession {
  userId: string;
  hostId: string;
  stream: LinkStream<"container.terminal">;
}

/** Who sends input where: only the user who opened the session, on its host, may type into it. */
export interface TerminalTarget {
  userId: string;
  hostId: string;
  sessionId: string;
}

export type Delivery = "ok" | "not_found";

const inputTopic = "terminal.input";
/** As long as a command may take on the link by default before it is a timeout. */
const inputTimeoutMs = 30_000;

const ForwardedInput = z.object({
  userId: z.string(),
  hostId: z.string(),
  sessionId: z.string(),
  input: TerminalInputSchema,
});
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

  constructor(private readonly link: LinkRegistry) {
    link.remote?.answer(inputTopic, (body) => {
      const parsed = ForwardedInput.safeParse(body);
      // Not zod's message: it could quote the keystrokes.
      if (!parsed.success) throw new LinkError("invalid", "malformed terminal input from another replica");
      const { input, ...target } = parsed.data;
      return this.deliver(target, input);
    });
  }

  /** Registers a session opened here; returns its id. */
  open(session: TerminalSession): string {
    const replicaId = this.link.replicaId;
    const sessionId = replicaId ? newSessionId(replicaId) : randomUUID();
    this.sessions.set(sessionId, session);
    return sessionId;
  }

  close(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  /**
   * Hands input to the session wherever it is held. Throws a LinkError when the holder cannot be
   * asked (`offline`: it stopped or is out of reach; `timeout`; `unsupported`: it holds no terminals).
   */
  async send(target: TerminalTarget, input: TerminalInput): Promise<Delivery> {
    const holder = holderOfSession(target.sessionId);
    const remote = this.link.remote;
    if (!remote || holder === undefined || holder === remote.replicaId) return this.deliver(target, input);
    const answer = await remote.request(
      holder,
      inputTopic,
      { ...target, input },
      { timeoutMs: inputTimeoutMs },
    );
    const delivery = DeliverySchema.safeParse(answer);
    if (!delivery.success)
      throw new LinkError("invalid", `${inputTopic}: an answer this replica does not understand`);
    return delivery.data;
  }

  private deliver(target: TerminalTarget, input: TerminalInput): Delivery {
    const session = this.sessions.get(target.sessionId);
    if (!session || session.userId !== target.userId || session.hostId !== target.hostId) return "not_found";
    session.stream.send(input);
    return "ok";
  }
}

const byConsole = new WeakMap<LinkRegistry, TerminalSessions>();

/** The terminal sessions of the console that `link` serves (made, and answering, on first use). */
export function terminalSessions(link: LinkRegistry): TerminalSessions {
  let sessions = byConsole.get(link);
  if (!sessions) {
    sessions = new TerminalSessions(link);
    byConsole.set(link, sessions);
  }
  return sessions;
}
