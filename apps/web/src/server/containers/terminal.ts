/**
 * Web terminals: `docker exec -it` in a container through the host's agent. The subscription that
 * opens a terminal owns it and streams the screen; keystrokes and resizes come by mutation, naming
 * the session. Sessions live in this console process: the browser reaches the same one for both
 * (a load balancer in front of replicas needs sticky sessions, as for any terminal).
 */
import { randomUUID } from "node:crypto";
import { isLinkError, type TerminalInput } from "@dockfleet/protocol";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Actor } from "../access/actor.ts";
import { auditActor } from "../audit/from-request.ts";
import { recordAudit } from "../audit/service.ts";
import { DomainError } from "../errors.ts";
import { type HostTarget, linkFailure } from "../hosts/gateway.ts";
import type { LinkStream } from "../link/registry.ts";
import { hostLink } from "../link/store.ts";

interface TerminalSession {
  userId: string;
  hostId: string;
  stream: LinkStream<"container.terminal">;
}

const sessions = new Map<string, TerminalSession>();

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
  const stream = hostLink(db).stream(host.id, "container.terminal", input, { signal: meta.signal });
  const sessionId = randomUUID();
  sessions.set(sessionId, { userId: actor.user.id, hostId: host.id, stream });
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
    sessions.delete(sessionId);
    stream.cancel();
  }
}

/** Keystrokes or a resize for a terminal the same user opened on the same host. */
export function sendTerminalInput(
  actor: Actor,
  hostId: string,
  sessionId: string,
  input: TerminalInput,
): void {
  const session = sessions.get(sessionId);
  if (!session || session.userId !== actor.user.id || session.hostId !== hostId) {
    throw new DomainError(
      "not_found",
      "no such terminal open here (it ended, or was opened by someone else)",
    );
  }
  session.stream.send(input);
}
