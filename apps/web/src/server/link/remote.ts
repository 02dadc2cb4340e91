/**
 * Calls and streams for agents held by another console replica, through Postgres (see bus.ts).
 *
 * The replica a call is made on resolves the holder from the inventory (Host.linkReplicaId, alive
 * per replicas.ts), sends it the command, and keeps a route until the answer comes back. The holder
 * runs the command on its own connection to the agent and sends back the result, or the stream's
 * chunks and then its end. Values travel superjson-encoded as the holder parsed them.
 *
 * Streams are flow-controlled: the holder sends at most `window` chunks the requester has not
 * acknowledged, and the requester acknowledges a chunk once its consumer had room for it; a slow
 * reader on one replica slows the agent held by another, as it does locally.
 *
 * Requests ask another replica about its own state rather than an agent's (a terminal session it
 * holds): answered by what that replica registered for the request's topic.
 *
 * Failures: a replica that dies (its LISTEN session vanishes, or it stops beating) fails the calls
 * and streams routed to it with `offline` and cancels those it asked for; so does losing Postgres.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  type CommandInput,
  type CommandName,
  type CommandResult,
  commands,
  LinkError,
  parseCommandInput,
  type ResultMessage,
  type StreamCommandName,
  toLinkError,
  type UnaryCommandName,
} from "@dockfleet/protocol";
import { PgBus, type Subscriber } from "./bus.ts";
import type { AgentConnection, CallOptions, LinkStream, StreamOptions } from "./connection.ts";
import { type Answer, decode, encode, type PeerMessage, PeerMessageSchema } from "./peer-messages.ts";
import { NotHereError, type RoundTripOptions, roundTrip } from "./remote-call.ts";
import { type OutRoute, offline, openRemoteStream, type RemoteStreamContext } from "./remote-stream.ts";
import { beat, holderOf, leave, liveAmong, replicaBeatMs, replicaSweepMs, sweep } from "./replicas.ts";
import { ServedRoutes } from "./served.ts";

/** What the remote side needs from the local registry. */
export interface LocalLink {
  connection(hostId: string): AgentConnection | undefined;
  /** Another replica announced the host's agent (for `whenConnected`, stale connections, parked calls). */
  announced(hostId: string, replicaId: string, pending: string[] | undefined): void;
  /** An answer another replica got for a call it does not know: resolves a call parked here. */
  orphanResult(hostId: string, message: ResultMessage): void;
  /** Another replica asks whoever holds the host to close its connection. */
  disconnectRequested(hostId: string, code: number, reason: string): void;
}

/** Answers a request from replica `from` (a value, or a promise of one); a thrown error is the answer too. */
export type Answerer = (body: unknown, from: string) => unknown;

/** Length of a replica id, in random bytes (written as hex). */
export const replicaIdBytes = 8;

export interface RemoteLinkOptions {
  databaseUrl: string;
  local: LocalLink;
  log(message: string): void;
}

export class RemoteLink {
  readonly replicaId = randomBytes(replicaIdBytes).toString("hex");
  private readonly bus: PgBus;
  private readonly outgoing = new Map<string, OutRoute>();
  private readonly served: ServedRoutes;
  private readonly answerers = new Map<string, Answerer>();
  /** Where calls, streams and requests from here keep their routes and send their messages. */
  private readonly routing: RemoteStreamContext;
  private readonly timer: NodeJS.Timeout;
  private listenerPid = 0;
  private lastSweep = 0;
  private closing = false;
  private readonly label = `${hostname()} pid ${process.pid}`;

  constructor(private readonly options: RemoteLinkOptions) {
    this.bus = new PgBus({
      url: options.databaseUrl,
      replicaId: this.replicaId,
      log: options.log,
      onMessage: (message) => this.receive(message),
      onLost: () =>
        this.failAll(new LinkError("offline", "the console lost Postgres, which links its replicas")),
      onConnected: async (pid) => {
        this.listenerPid = pid;
        await beat(this.bus.query, this.replicaId, pid, this.label);
      },
    });
    this.routing = {
      replicaId: this.replicaId,
      routes: this.outgoing,
      holder: (id) => this.holder(id),
      send: (peer, message) => this.bus.send(peer, message),
    };
    this.served = new ServedRoutes({
      replicaId: this.replicaId,
      connection: (hostId) => options.local.connection(hostId),
      send: (to, message) => this.bus.send(to, message),
    });
    this.timer = setInterval(() => void this.tick(), replicaBeatMs);
    this.timer.unref();
  }

  /** Resolves once this replica is registered and listening. */
  ready(): Promise<void> {
    return this.bus.ready();
  }

  /** The live replica holding the host (never this one: the registry asks only for hosts it lacks). */
  async holder(hostId: string): Promise<string | undefined> {
    if (!this.bus.connected) {
      // Only just started: give the bus a moment; Postgres down: the host is unreachable from here.
      await Promise.race([this.bus.ready(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      if (!this.bus.connected) return undefined;
    }
    const holder = await holderOf(this.bus.query, hostId);
    return holder === this.replicaId ? undefined : holder;
  }

  /** Tells the other replicas the host's agent is connected here (with what it still has). */
  announce(hostId: string, pending?: string[]): void {
    this.failStreamsOf(hostId, undefined);
    this.bus
      .send(null, { kind: "connected", from: this.replicaId, hostId, pending } satisfies PeerMessage)
      .catch(() => undefined);
  }

  /** The agent answered a call not made here: the replica where it is parked takes it. */
  forwardResult(hostId: string, message: ResultMessage): void {
    this.bus
      .send(null, { kind: "orphan", from: this.replicaId, hostId, message } satisfies PeerMessage)
      .catch(() => undefined);
  }

  /** Asks the replica holding the host, whichever it is, to close its connection. */
  requestDisconnect(hostId: string, code: number, reason: string): void {
    this.bus
      .send(null, { kind: "disconnect", from: this.replicaId, hostId, code, reason } satisfies PeerMessage)
      .catch(() => undefined);
  }

  async call<N extends UnaryCommandName>(
    hostId: string,
    name: N,
    input: CommandInput<N>,
    options: CallOptions<N> = {},
  ): Promise<CommandResult<N>> {
    parseCommandInput(name, input);
    const timeoutMs = options.timeoutMs ?? commands[name].defaultTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      const peer = await this.holder(hostId).catch(() => undefined);
      if (!peer) throw offline(name);
      try {
        return (await this.callOn(peer, hostId, name, input, {
          timeoutMs: deadline - Date.now(),
          signal: options.signal,
          onProgress: options.onProgress as ((progress: unknown) => void) | undefined,
        })) as CommandResult<N>;
      } catch (error) {
        // Not sent to an agent at all: safe to send again to where the host is now.
        if (error instanceof NotHereError && attempt === 0) continue;
        throw error instanceof NotHereError ? offline(name) : error;
      }
    }
  }

  private callOn(
    peer: string,
    hostId: string,
    name: CommandName,
    input: unknown,
    options: RoundTripOptions,
  ): Promise<unknown> {
    const message = (id: string): PeerMessage => ({
      kind: "call",
      from: this.replicaId,
      id,
      hostId,
      name,
      input: encode(input),
      timeoutMs: options.timeoutMs,
    });
    return roundTrip(
      this.routing,
      peer,
      { what: name, hostId, unreachable: offline(name), ...options },
      message,
    );
  }

  /**
   * Asks `peer` what it answers on `topic` (see `answer`) about `body`. The peer's answerer runs
   * as the request arrives, so requests take effect there in the order this replica sent them. Fails
   * with `offline` when the peer dies or Postgres is lost, `unsupported` when the peer does not
   * answer the topic, `timeout` after `timeoutMs`.
   */
  request(peer: string, topic: string, body: unknown, options: { timeoutMs: number }): Promise<unknown> {
    const unreachable = new LinkError("offline", `${topic}: the other console replica is out of reach`);
    return roundTrip(this.routing, peer, { what: topic, unreachable, ...options }, (id) => ({
      kind: "request",
      from: this.replicaId,
      id,
      topic,
      body: encode(body),
    }));
  }

  /** Hears a domain's own notifications on `channel` (e.g. a job's changes), on this replica's bus. */
  listen(channel: string, subscriber: Subscriber): void {
    this.bus.subscribe(channel, subscriber);
  }

  /** Answers other replicas' requests on `topic` from now on (a thrown error is their answer). */
  answer(topic: string, answerer: Answerer): void {
    this.answerers.set(topic, answerer);
  }

  stream<N extends StreamCommandName>(
    hostId: string,
    name: N,
    input: CommandInput<N>,
    options: StreamOptions = {},
  ): LinkStream<N> {
    return openRemoteStream(this.routing, hostId, name, input, options);
  }

  /** Stops: what was routed through us fails, our row goes, the bus closes after what it was sending. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    // Let the answers to served calls, failed by the closing agent connections, reach the bus first.
    await new Promise((resolve) => setImmediate(resolve));
    this.failAll(new LinkError("offline", "this console replica is shutting down"));
    if (this.bus.connected) await leave(this.bus.query, this.replicaId).catch(() => undefined);
    await this.bus.close();
  }

  /** Calls and streams in flight through other replicas, both ways (for tests and diagnostics). */
  get inFlight(): { outgoing: number; served: number } {
    return { outgoing: this.outgoing.size, served: this.served.size };
  }

  private tell(peer: string, message: PeerMessage): void {
    this.bus.send(peer, message).catch(() => undefined);
  }

  private receive(raw: unknown): void {
    const parsed = PeerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.options.log(`ignored a malformed message from another replica: ${parsed.error.message}`);
      return;
    }
    const message = parsed.data;
    if (message.from === this.replicaId) return; // our own broadcast
    switch (message.kind) {
      case "call":
        this.served.call(message);
        break;
      case "stream":
        this.served.stream(message);
        break;
      case "cancel":
        this.served.cancel(message.from, message.id);
        break;
      case "request":
        this.answerRequest(message);
        break;
      case "ack":
        this.served.ack(message.from, message.id, message.seq);
        break;
      case "input":
        this.served.input(message.from, message.id, decode(message.input));
        break;
      case "chunk": {
        const route = this.outgoing.get(message.id);
        if (route) route.onChunk(message.seq, message.chunk);
        // Nobody waits for this stream any more: the holder stops it.
        else this.tell(message.from, { kind: "cancel", from: this.replicaId, id: message.id });
        break;
      }
      case "progress":
        this.outgoing.get(message.id)?.onProgress(message.progress);
        break;
      case "result":
        this.outgoing.get(message.id)?.onResult(message);
        break;
      case "connected":
        this.failStreamsOf(message.hostId, message.from);
        this.options.local.announced(message.hostId, message.from, message.pending);
        break;
      case "orphan":
        this.options.local.orphanResult(message.hostId, message.message);
        break;
      case "disconnect":
        this.options.local.disconnectRequested(message.hostId, message.code, message.reason);
        break;
    }
  }

  private answerRequest(request: Extract<PeerMessage, { kind: "request" }>): void {
    const reply = (answer: Answer) =>
      this.tell(request.from, { kind: "result", from: this.replicaId, id: request.id, ...answer });
    const answerer = this.answerers.get(request.topic);
    if (!answerer) {
      const error = new LinkError("unsupported", `this console replica does not answer ${request.topic}`);
      reply({ ok: false, error: error.toJSON() });
      return;
    }
    // The answerer runs now, not after an await: requests take effect in the order they came.
    new Promise((resolve) => resolve(answerer(decode(request.body), request.from))).then(
      (result) => reply({ ok: true, result: encode(result) }),
      (error: unknown) => reply({ ok: false, error: toLinkError(error).toJSON() }),
    );
  }

  /**
   * The host's agent is now at `holder` (undefined: here): streams from it through any other
   * replica came from a connection that is gone or about to go (their followers ask again).
   */
  private failStreamsOf(hostId: string, holder: string | undefined): void {
    for (const route of [...this.outgoing.values()]) {
      const peer = route.peer();
      // Calls stay: the old holder parked them, and answers them when the agent brings the result.
      if (route.kind === "stream" && route.hostId === hostId && peer !== undefined && peer !== holder) {
        route.fail(new LinkError("offline", "the host's agent reconnected to another console replica"));
      }
    }
  }

  private peerDied(peer: string): void {
    for (const route of [...this.outgoing.values()]) {
      if (route.peer() === peer) {
        route.fail(new LinkError("offline", "the console replica holding the host's agent stopped"));
      }
    }
    this.served.cancelFor(peer);
  }

  private failAll(error: LinkError): void {
    for (const route of [...this.outgoing.values()]) route.fail(error);
    this.served.cancelFor();
  }

  /** The heartbeat: refresh our row, drop routes to replicas that died, now and then sweep. */
  private async tick(): Promise<void> {
    if (!this.bus.connected || this.closing) return;
    try {
      await beat(this.bus.query, this.replicaId, this.listenerPid, this.label);
      const peers = new Set<string>();
      for (const route of this.outgoing.values()) {
        const peer = route.peer();
        if (peer) peers.add(peer);
      }
      for (const peer of this.served.peers()) peers.add(peer);
      if (peers.size > 0) {
        const alive = await liveAmong(this.bus.query, [...peers]);
        for (const peer of peers) if (!alive.has(peer)) this.peerDied(peer);
      }
      if (Date.now() - this.lastSweep > replicaSweepMs / 4) {
        this.lastSweep = Date.now();
        await sweep(this.bus.query);
      }
    } catch (error) {
      if (!this.closing) this.options.log(`replica heartbeat failed: ${(error as Error).message}`);
    }
  }
}
