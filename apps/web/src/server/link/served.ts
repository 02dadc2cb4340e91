/**
 * The holder's side of calls and streams other replicas route here: each runs on this replica's
 * connection to the agent and is answered over the bus. A stream sends at most `window` chunks the
 * requester has not acknowledged, so its consumer's pace reaches the agent.
 */
import { LinkError, type StreamCommandName, toLinkError, type UnaryCommandName } from "@dockfleet/protocol";
import type { AgentConnection } from "./connection.ts";
import { type Answer, decode, encode, type PeerMessage } from "./peer-messages.ts";

interface ServedRoute {
  /** The requesting replica. */
  peer: string;
  cancel(): void;
  ack(seq: number): void;
  input(value: unknown): void;
}

export interface ServedRoutesOptions {
  replicaId: string;
  connection(hostId: string): AgentConnection | undefined;
  /** Sends a message to a replica; rejects when the bus is down. */
  send(to: string, message: PeerMessage): Promise<void>;
}

export class ServedRoutes {
  private readonly routes = new Map<string, ServedRoute>();

  constructor(private readonly options: ServedRoutesOptions) {}

  get size(): number {
    return this.routes.size;
  }

  /** The replicas we are running something for. */
  peers(): Set<string> {
    return new Set([...this.routes.values()].map((route) => route.peer));
  }

  call(message: Extract<PeerMessage, { kind: "call" }>): void {
    const connection = this.connectionFor(message);
    if (!connection) return;
    const key = `${message.from}/${message.id}`;
    const controller = new AbortController();
    this.routes.set(key, {
      peer: message.from,
      cancel: () => controller.abort(),
      ack: () => undefined,
      input: () => undefined,
    });
    connection
      .call(message.name as UnaryCommandName, decode(message.input) as never, {
        timeoutMs: message.timeoutMs,
        signal: controller.signal,
        onProgress: (progress: unknown) => {
          const report = { kind: "progress", from: this.options.replicaId, id: message.id };
          this.options
            .send(message.from, { ...report, progress: encode(progress) } as PeerMessage)
            .catch(() => undefined);
        },
      })
      .then(
        (result) => this.reply(message, { ok: true, result: encode(result) }),
        (error: unknown) => {
          // Cancelled by the requester, who is not waiting for an answer.
          if (!controller.signal.aborted)
            this.reply(message, { ok: false, error: toLinkError(error).toJSON() });
        },
      )
      .finally(() => this.routes.delete(key));
  }

  stream(message: Extract<PeerMessage, { kind: "stream" }>): void {
    const connection = this.connectionFor(message);
    if (!connection) return;
    const key = `${message.from}/${message.id}`;
    const stream = connection.stream(message.name as StreamCommandName, decode(message.input) as never, {
      bufferChunks: message.window,
    });
    let acked = -1;
    let stopped = false;
    let wake: (() => void) | undefined;
    this.routes.set(key, {
      peer: message.from,
      cancel: () => {
        stopped = true;
        stream.cancel();
        wake?.();
      },
      ack: (seq) => {
        acked = Math.max(acked, seq);
        wake?.();
      },
      input: (value) => {
        try {
          stream.send(value as never);
        } catch {
          // Checked on the requester already: a mismatch here is a version skew, and input is advice.
        }
      },
    });
    void (async () => {
      let seq = 0;
      try {
        for await (const chunk of stream) {
          while (!stopped && seq - acked - 1 >= message.window) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
          if (stopped) return;
          await this.options.send(message.from, {
            kind: "chunk",
            from: this.options.replicaId,
            id: message.id,
            seq,
            chunk: encode(chunk),
          });
          seq += 1;
        }
        const result = await stream.result;
        if (!stopped) this.reply(message, { ok: true, result: encode(result) });
      } catch (error) {
        if (!stopped) this.reply(message, { ok: false, error: toLinkError(error).toJSON() });
      } finally {
        this.routes.delete(key);
        stream.cancel();
      }
    })();
  }

  /** The requester stopped waiting (cancel, deadline, its consumer left). */
  cancel(from: string, id: string): void {
    this.routes.get(`${from}/${id}`)?.cancel();
  }

  ack(from: string, id: string, seq: number): void {
    this.routes.get(`${from}/${id}`)?.ack(seq);
  }

  input(from: string, id: string, value: unknown): void {
    this.routes.get(`${from}/${id}`)?.input(value);
  }

  /** Stops everything run for `peer` (it died), or for everyone. */
  cancelFor(peer?: string): void {
    for (const route of [...this.routes.values()])
      if (peer === undefined || route.peer === peer) route.cancel();
  }

  /** This replica's connection to the host's agent, or a "not here" answer sent back. */
  private connectionFor(message: { from: string; id: string; hostId: string; name: string }) {
    const connection = this.options.connection(message.hostId);
    if (connection && !connection.closed) return connection;
    const error = new LinkError("offline", `${message.name}: the host's agent is not connected here`);
    this.reply(message, { ok: false, error: error.toJSON(), notHere: true });
    return undefined;
  }

  private reply(to: { from: string; id: string }, answer: Answer): void {
    this.options
      .send(to.from, { kind: "result", from: this.options.replicaId, id: to.id, ...answer })
      .catch(() => undefined);
  }
}
