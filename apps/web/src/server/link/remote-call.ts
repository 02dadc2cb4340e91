/**
 * One message to another console replica and its one answer (see remote.ts): a call for the
 * agent it holds, or a request about its own state. The wait ends with the answer, the deadline,
 * the caller's abort, or the route's failure (the peer died, Postgres was lost).
 */
import { randomUUID } from "node:crypto";
import { LinkError } from "@dockfleet/protocol";
import { decode, type PeerMessage } from "./peer-messages.ts";
import type { OutRoute, RemoteStreamContext } from "./remote-stream.ts";

/** The peer answered that it does not hold the host (any more): nothing reached an agent. */
export class NotHereError extends LinkError {
  constructor(what: string) {
    super("offline", `${what}: the host's agent moved to another console replica`);
  }
}

export interface RoundTripOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (progress: unknown) => void;
}

export interface RoundTrip extends RoundTripOptions {
  /** Names the call in errors (a command, a request's topic). */
  what: string;
  /** The host a call is for; none for a request. */
  hostId?: string;
  /** The failure when the message cannot be sent at all. */
  unreachable: LinkError;
}

/** Sends what `message` makes of a fresh id to `peer` and waits for its one `result`. */
export function roundTrip(
  link: Pick<RemoteStreamContext, "replicaId" | "routes" | "send">,
  peer: string,
  options: RoundTrip,
  message: (id: string) => PeerMessage,
): Promise<unknown> {
  const { what, timeoutMs, signal } = options;
  const id = randomUUID();
  const cancel = () =>
    void link.send(peer, { kind: "cancel", from: link.replicaId, id }).catch(() => undefined);
  if (signal?.aborted)
    return Promise.reject(new LinkError("cancelled", `${what}: cancelled before it was sent`));
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      link.routes.delete(id);
    };
    const timer = setTimeout(
      () => {
        done();
        cancel();
        reject(new LinkError("timeout", `${what}: no answer within ${timeoutMs} ms`));
      },
      Math.max(0, timeoutMs),
    );
    const onAbort = () => {
      done();
      cancel();
      reject(new LinkError("cancelled", `${what}: cancelled`));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const route: OutRoute = {
      kind: "call",
      peer: () => peer,
      hostId: options.hostId,
      onChunk: () => undefined,
      onProgress: (progress) => options.onProgress?.(decode(progress)),
      onResult: (answer) => {
        done();
        if (answer.ok) resolve(decode(answer.result));
        else reject(answer.notHere ? new NotHereError(what) : LinkError.from(answer.error));
      },
      fail: (error) => {
        done();
        cancel();
        reject(error);
      },
    };
    link.routes.set(id, route);
    link.send(peer, message(id)).catch(() => route.fail(options.unreachable));
  });
}
