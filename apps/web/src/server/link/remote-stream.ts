/**
 * A stream from an agent held by another console replica (see remote.ts): opened on the holder,
 * its chunks acknowledged as the consumer takes them (at most `window` unacknowledged), input sent
 * in order, retried once on another holder when the first no longer had the agent.
 */
import { randomUUID } from "node:crypto";
import {
  type CommandInput,
  LinkError,
  parseCommandInput,
  parseStreamInput,
  type StreamChunk,
  type StreamCommandName,
} from "@dockfleet/protocol";
import { failedStream, type LinkStream, type StreamOptions } from "./connection.ts";
import { decode, type Encoded, encode, type PeerMessage, type ResultPeerMessage } from "./peer-messages.ts";
import { type StreamEnds, streamEnds } from "./stream-ends.ts";

/** A call, stream or request this replica asked another for, waiting for its answer. */
export interface OutRoute {
  kind: "call" | "stream";
  /** Undefined while the holder is being looked up. */
  peer(): string | undefined;
  /** The host the call or stream is for; none for a request about the peer's own state. */
  hostId?: string;
  onChunk(seq: number, chunk: Encoded): void;
  onProgress(progress: Encoded): void;
  onResult(message: ResultPeerMessage): void;
  fail(error: LinkError): void;
}

/** What a remote stream needs from the replica's link. */
export interface RemoteStreamContext {
  replicaId: string;
  /** The requester's routes, by id: where the bus delivers the holder's answers. */
  routes: Map<string, OutRoute>;
  holder(hostId: string): Promise<string | undefined>;
  send(peer: string, message: PeerMessage): Promise<void>;
}

export function offline(what: string): LinkError {
  return new LinkError("offline", `${what}: the host's agent is not connected`);
}

export function openRemoteStream<N extends StreamCommandName>(
  link: RemoteStreamContext,
  hostId: string,
  name: N,
  input: CommandInput<N>,
  options: StreamOptions = {},
): LinkStream<N> {
  try {
    parseCommandInput(name, input);
  } catch (error) {
    return failedStream(error as LinkError);
  }
  const id = randomUUID();
  const tell = (peer: string, message: PeerMessage) => void link.send(peer, message).catch(() => undefined);
  const window = options.bufferChunks ?? 8;
  let peer: string | undefined;
  // Input sent before the holder is known waits for it, in order.
  const early: unknown[] = [];
  const flushEarly = () => {
    if (!peer) return;
    for (const value of early.splice(0)) {
      tell(peer, { kind: "input", from: link.replicaId, id, input: encode(value) });
    }
  };
  let attempts = 0;
  let nextSeq = 0;
  // Chunks and the end are handled one after the other, in the order they came.
  let tail: Promise<void> = Promise.resolve();
  const ends: StreamEnds<N> = streamEnds<N>({
    window,
    signal: options.signal,
    onCancel: () => {
      if (ends.settled) return;
      if (peer) tell(peer, { kind: "cancel", from: link.replicaId, id });
      finish({ ok: false, error: new LinkError("cancelled", `${name}: stopped by the console`) });
    },
    onFinish: () => link.routes.delete(id),
  });
  const finish = ends.finish;
  const open = async () => {
    attempts += 1;
    const found = await link.holder(hostId).catch(() => undefined);
    if (ends.settled) return;
    if (!found) return finish({ ok: false, error: offline(name) });
    peer = found;
    link
      .send(found, {
        kind: "stream",
        from: link.replicaId,
        id,
        hostId,
        name,
        input: encode(input),
        window,
      } satisfies PeerMessage)
      .catch(() => finish({ ok: false, error: offline(name) }));
    // After the stream itself: the holder drops input for a stream it does not know yet.
    flushEarly();
  };
  link.routes.set(id, {
    kind: "stream",
    peer: () => peer,
    hostId,
    onChunk: (seq, chunk) => {
      tail = tail.then(async () => {
        if (ends.settled) return;
        if (seq !== nextSeq) {
          if (peer) tell(peer, { kind: "cancel", from: link.replicaId, id });
          finish({
            ok: false,
            error: new LinkError("internal", `${name}: chunk ${nextSeq} never arrived`),
          });
          return;
        }
        nextSeq += 1;
        const accepted = await ends.chunks.push(decode(chunk) as StreamChunk<N>);
        if (accepted && peer) tell(peer, { kind: "ack", from: link.replicaId, id, seq });
      });
    },
    onResult: (message) => {
      tail = tail.then(() => {
        if (message.ok) return finish({ ok: true, value: decode(message.result) });
        if (message.notHere && nextSeq === 0 && attempts < 2) return open();
        finish({ ok: false, error: message.notHere ? offline(name) : LinkError.from(message.error) });
      });
    },
    onProgress: () => undefined,
    fail: (error) => {
      if (peer && !ends.settled) tell(peer, { kind: "cancel", from: link.replicaId, id });
      finish({ ok: false, error });
    },
  });
  if (options.signal?.aborted) {
    finish({ ok: false, error: new LinkError("cancelled", `${name}: cancelled before it was sent`) });
  } else {
    void open();
  }
  return ends.stream(id, (value) => {
    const checked = parseStreamInput(name, value);
    if (ends.settled) return;
    early.push(checked);
    flushEarly();
  });
}
