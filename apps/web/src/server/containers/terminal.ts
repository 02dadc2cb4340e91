/**
 * Web terminals: `docker exec -it` in a container through the host's agent. The subscription that
 * opens a terminal owns it and streams the screen; keystrokes and resizes come by mutation, naming
 * the session. The session lives on the console replica that opened it; a mutation that lands on
 * another replica is forwarded to it (terminal-sessions.ts), so a load balancer needs no sticky
 * sessions.
 */
import { isLinkError, type LinkError, type TerminalInput } from "@dockfleet/protocol";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Actor } from "../access/actor.ts";
import { auditActor } from "../audit/from-request.ts";
import { recordAudit } from "../audit/service.ts";
import { DomainError } from "../errors.ts";
import { type HostTarget, linkFailure } from "../hosts/gateway.ts";
import { hostLink } from "../link/store.ts";
import { type Delivery, terminalSessions } from "./terminal-sessions.ts";

export type TerminalEvent =
  | { kind: "opened"; sessionId: string }
  /** Screen bytes, base64. */
  | { kind: "output"; data: string }
  | { kind: "exited"; exitCode: number | null };

export interface OpenTerminal {
  containerId: string;
  cmd: string[];
  user?: string;
  size?: { rows: number; cols: number };
}

/** Opens a terminal and yields its screen until the command exits or the subscriber leaves. */
export async function* openTerminal(
  db: PrismaClient,
  host: HostTarget,
  actor: Actor,
  input: OpenTerminal,
  meta: { ip: string; signal?: AbortSignal },
): AsyncGenerator<TerminalEvent> {
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
  const link = hostLink(db);
  const stream = link.stream(host.id, "container.terminal", input, { signal: meta.signal });
  const sessions = terminalSessions(link);
  const sessionId = sessions.open({ userId: actor.user.id, hostId: host.id, stream });
  try {
    yield { kind: "opened", sessionId };
    for await (const chunk of stream) {
      const bytes = Buffer.concat(chunk.items.map((item) => Buffer.from(item.data, "base64")));
      yield { kind: "output", data: bytes.toString("base64") };
    }
    yield { kind: "exited", exitCode: (await stream.result).exitCode };
  } catch (error) {
    if (isLinkError(error)) throw linkFailure(error, host);
    throw error;
  } finally {
    sessions.close(sessionId);
    stream.cancel();
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
  let delivery: Delivery;
  try {
    delivery = await terminalSessions(hostLink(db)).send({ userId: actor.user.id, hostId, sessionId }, input);
  } catch (error) {
    if (isLinkError(error)) throw inputFailure(error);
    throw error;
  }
  if (delivery === "not_found") throw noSuchTerminal();
}

function noSuchTerminal(why = "it ended, or was opened by someone else"): DomainError {
  return new DomainError("not_found", `no such terminal open (${why})`);
}

/** The holder could not be asked; a holder that is gone took its terminals with it. */
function inputFailure(error: LinkError): DomainError {
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
