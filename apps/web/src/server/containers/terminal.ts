/**
 * Web terminals: `docker exec -it` in a container through the host's agent. A subscription opens a
 * terminal and streams its screen; keystrokes, resizes and the close come by mutation, naming the
 * session. The session, not the subscription, owns the shell (terminal-session.ts): a dropped event
 * stream reattaches with its last event id and goes on where it was. The session lives on the
 * console replica that opened it; a mutation that lands on another replica is forwarded to it
 * (terminal-sessions.ts), so a load balancer needs no sticky sessions for those.
 */
import { isLinkError, type LinkError, type TerminalInput } from "@dockfleet/protocol";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Actor } from "../access/actor.ts";
import { auditActor } from "../audit/from-request.ts";
import { recordAudit } from "../audit/service.ts";
import { DomainError } from "../errors.ts";
import { type HostTarget, linkFailure } from "../hosts/gateway.ts";
import { hostLink } from "../link/store.ts";
import { parseTerminalEventId, terminalEventId } from "./terminal-event-id.ts";
import type { ScreenEvent, TerminalSession } from "./terminal-session.ts";
import { type Delivery, type TerminalTarget, terminalSessions } from "./terminal-sessions.ts";

export type TerminalEvent =
  | { kind: "opened"; sessionId: string }
  /** A reconnect found its shell; bytes it missed and the ring no longer held are counted, not shown. */
  | { kind: "reattached"; sessionId: string; skippedBytes: number }
  /** Screen bytes, base64. */
  | { kind: "output"; data: string }
  | { kind: "exited"; exitCode: number | null };

/** An event and its SSE id (`<sessionId>:<output bytes so far>`), for tRPC's `tracked()`. */
export interface TrackedTerminalEvent {
  id: string;
  event: TerminalEvent;
}

export interface OpenTerminal {
  containerId: string;
  cmd: string[];
  user?: string;
  size?: { rows: number; cols: number };
  /** The last event id the browser had: reattach to that session instead of opening one. */
  lastEventId?: string;
}

/**
 * Opens a terminal (or, with `lastEventId`, reattaches to one) and yields its screen until the
 * command exits or the subscriber leaves; a subscriber that leaves starts the session's grace period.
 */
export async function* openTerminal(
  db: PrismaClient,
  host: HostTarget,
  actor: Actor,
  input: OpenTerminal,
  meta: { ip: string; signal?: AbortSignal },
): AsyncGenerator<TrackedTerminalEvent> {
  const signal = meta.signal ?? new AbortController().signal;
  if (input.lastEventId !== undefined) {
    yield* reattachTerminal(db, host, actor, { ...input, lastEventId: input.lastEventId }, signal);
    return;
  }
  // Who opened a shell where is audited; what they typed is not (it may hold passwords).
  await recordAudit(db, {
    actor: auditActor(actor),
    action: "containers.terminal",
    target: { type: "container", id: input.containerId },
    hostId: host.id,
    result: "ok",
    detail: { cmd: input.cmd, user: input.user ?? null },
    ip: meta.ip,
  });
  const { lastEventId: _, ...spec } = input;
  const link = hostLink(db);
  // Not the subscriber's signal: the shell outlives a dropped connection.
  const stream = link.stream(host.id, "container.terminal", spec);
  const owner = { userId: actor.user.id, hostId: host.id, containerId: input.containerId };
  const { id, session } = terminalSessions(link).open(owner, stream);
  yield { id: terminalEventId({ sessionId: id, offset: 0 }), event: { kind: "opened", sessionId: id } };
  yield* screen(id, session.watch(0, signal, false), host);
}

/**
 * The same shell again after a dropped connection: not a new terminal, so not audited again.
 * Only its opener may reattach, on the same host and container; anyone else is told there is none.
 */
async function* reattachTerminal(
  db: PrismaClient,
  host: HostTarget,
  actor: Actor,
  input: { containerId: string; lastEventId: string },
  signal: AbortSignal,
): AsyncGenerator<TrackedTerminalEvent> {
  const { sessionId, offset } = parseTerminalEventId(input.lastEventId);
  const found = terminalSessions(hostLink(db)).reattach({
    userId: actor.user.id,
    hostId: host.id,
    containerId: input.containerId,
    sessionId,
  });
  switch (found.kind) {
    case "not_found":
      throw noSuchTerminal();
    case "elsewhere":
      throw noSuchTerminal(
        "another console replica holds it, and a terminal reattaches only through the replica that opened it: open a new one",
      );
    case "ended":
      throw new DomainError("not_found", `the terminal ended while you were away: ${found.why}`);
  }
  const session: TerminalSession = found.session;
  if (offset > session.printed)
    throw new DomainError(
      "invalid",
      `lastEventId ${JSON.stringify(input.lastEventId)} is past what the terminal printed (${session.printed} bytes)`,
    );
  yield* screen(sessionId, session.watch(offset, signal, true), host);
}

async function* screen(
  sessionId: string,
  events: AsyncIterable<ScreenEvent>,
  host: HostTarget,
): AsyncGenerator<TrackedTerminalEvent> {
  try {
    for await (const { offset, ...event } of events) {
      const id = terminalEventId({ sessionId, offset });
      if (event.kind === "output")
        yield { id, event: { kind: "output", data: event.data.toString("base64") } };
      else if (event.kind === "reattached")
        yield { id, event: { kind: "reattached", sessionId, skippedBytes: event.skippedBytes } };
      else yield { id, event };
    }
  } catch (error) {
    if (isLinkError(error)) throw linkFailure(error, host);
    throw error;
  }
}

/**
 * Keystrokes or a resize for a terminal the same user opened on the same host, on whichever
 * replica holds it. Never audited nor logged: they may hold passwords.
 */
export async function sendTerminalInput(
  db: PrismaClient,
  actor: Actor,
  hostId: string,
  sessionId: string,
  input: TerminalInput,
): Promise<void> {
  const target = { userId: actor.user.id, hostId, sessionId };
  await deliver(() => terminalSessions(hostLink(db)).send(target, input));
}

/**
 * The user closed the terminal: its shell, and what runs in it, end now rather than after the
 * grace period a dropped connection gets.
 */
export async function closeTerminal(db: PrismaClient, actor: Actor, hostId: string, sessionId: string) {
  const target: TerminalTarget = { userId: actor.user.id, hostId, sessionId };
  await deliver(() => terminalSessions(hostLink(db)).close(target));
}

async function deliver(attempt: () => Promise<Delivery>): Promise<void> {
  let delivery: Delivery;
  try {
    delivery = await attempt();
  } catch (error) {
    if (isLinkError(error)) throw forwardFailure(error);
    throw error;
  }
  if (delivery === "not_found") throw noSuchTerminal();
}

function noSuchTerminal(why = "it ended, or was opened by someone else"): DomainError {
  return new DomainError("not_found", `no such terminal open (${why})`);
}

/** The holder could not be asked; a holder that is gone took its terminals with it. */
function forwardFailure(error: LinkError): DomainError {
  switch (error.code) {
    case "offline":
      return noSuchTerminal("the console replica that opened it stopped, or is out of reach");
    case "unsupported":
      return noSuchTerminal();
    case "invalid":
      return new DomainError("invalid", error.message);
    default:
      return new DomainError("unavailable", `the console replica holding this terminal: ${error.message}`);
  }
}
