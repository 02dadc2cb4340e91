/**
 * The link registry: the agents connected to this console process, by host. Domain code reaches a
 * host only through `call` (one command, one typed result) and `stream` (chunks until cancelled):
 * on the agent's connection when it is here, else through Postgres on the replica that holds it.
 */
import { EventEmitter } from "node:events";
import {
  type CommandInput,
  type CommandResult,
  LinkError,
  linkCloseCodes,
  type ResultMessage,
  type StreamCommandName,
  type UnaryCommandName,
} from "@dockfleet/protocol";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import {
  AgentConnection,
  type AgentConnectionInfo,
  type CallOptions,
  failedStream,
  type LinkStream,
  type PendingCall,
  reportProgress,
  type StreamOptions,
  settleCall,
} from "./connection.ts";
import { revokedAmong } from "./enrollment.ts";
import { RemoteLink } from "./remote.ts";
import { markDisconnected, markSeen, seenRefreshMs } from "./status.ts";

export type { CallOptions, LinkStream, StreamOptions } from "./connection.ts";

export interface LinkRegistryOptions {
  /** How often connected hosts' `lastSeenAt` is refreshed and their credentials re-checked. */
  refreshMs?: number;
  log?: (message: string) => void;
  /**
   * The database's URL, for a dedicated LISTEN connection: with it this console is one replica
   * among several, routing calls for agents held elsewhere through Postgres. Without it, only the
   * agents connected here are reachable.
   */
  databaseUrl?: string;
}

export class LinkRegistry {
  private readonly byHost = new Map<string, AgentConnection>();
  /** Calls whose connection dropped before the answer: the agent may bring it on a later connection. */
  private readonly parked = new Map<string, { hostId: string; call: PendingCall }>();
  /** Emits `connected` with the host id whenever an agent says hello. */
  private readonly events = new EventEmitter();
  private readonly timer: NodeJS.Timeout;
  private readonly log: (message: string) => void;
  private shuttingDown = false;
  /** Set when this console is a replica among others (see `databaseUrl`). */
  readonly remote: RemoteLink | undefined;
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly db: PrismaClient,
    options: LinkRegistryOptions = {},
  ) {
    this.log = options.log ?? ((message) => console.log(`[link] ${message}`));
    this.events.setMaxListeners(0);
    this.timer = setInterval(() => void this.refresh(), options.refreshMs ?? seenRefreshMs);
    this.timer.unref();
    if (options.databaseUrl) {
      this.remote = new RemoteLink({
        databaseUrl: options.databaseUrl,
        log: this.log,
        local: {
          connection: (hostId) => this.byHost.get(hostId),
          announced: (hostId, replicaId, pending) => this.announced(hostId, replicaId, pending),
          orphanResult: (hostId, message) => this.resolveParked(hostId, message),
          disconnectRequested: (hostId, code, reason) => {
            if (this.byHost.has(hostId)) this.disconnect(hostId, code, reason, { local: true });
          },
        },
      });
    }
  }

  /** This replica's id in the inventory (Host.linkReplicaId), when it is one. */
  get replicaId(): string | undefined {
    return this.remote?.replicaId;
  }

  /** Resolves once the link can reach agents on other replicas too (at once without replicas). */
  async ready(): Promise<void> {
    await this.remote?.ready();
  }

  /** Runs one command on a host's agent: its typed result, or a LinkError (offline, timeout, docker, …). */
  call<N extends UnaryCommandName>(
    hostId: string,
    name: N,
    input: CommandInput<N>,
    options?: CallOptions<N>,
  ): Promise<CommandResult<N>> {
    const connection = this.byHost.get(hostId);
    if (connection) return connection.call(name, input, options);
    if (this.remote) return this.remote.call(hostId, name, input, options);
    return Promise.reject(offline(name));
  }

  /** Opens a stream on a host's agent; iterate it for chunks, stop iterating (or cancel) to end it. */
  stream<N extends StreamCommandName>(
    hostId: string,
    name: N,
    input: CommandInput<N>,
    options?: StreamOptions,
  ): LinkStream<N> {
    const connection = this.byHost.get(hostId);
    if (connection) return connection.stream(name, input, options);
    if (this.remote) return this.remote.stream(hostId, name, input, options);
    return failedStream(offline(name));
  }

  /**
   * Resolves once the host's agent is connected here or to another live replica (at once if it
   * is); rejects when the signal aborts.
   */
  whenConnected(hostId: string, signal?: AbortSignal): Promise<void> {
    if (this.byHost.has(hostId)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const settle = (outcome: () => void) => {
        this.events.off("connected", onConnected);
        signal?.removeEventListener("abort", onAbort);
        outcome();
      };
      const onConnected = (connected: string) => {
        if (connected === hostId) settle(resolve);
      };
      const onAbort = () =>
        settle(() => reject(signal?.reason ?? new DOMException("This operation was aborted", "AbortError")));
      if (signal?.aborted) return onAbort();
      this.events.on("connected", onConnected);
      signal?.addEventListener("abort", onAbort, { once: true });
      // Listening first: an agent connecting while we look is not missed.
      this.isReachable(hostId).then(
        (reachable) => {
          if (reachable) settle(resolve);
        },
        () => undefined,
      );
    });
  }

  /** Connected to this console process. */
  isConnected(hostId: string): boolean {
    return this.byHost.has(hostId);
  }

  /** Connected here or to another live replica. */
  async isReachable(hostId: string): Promise<boolean> {
    if (this.byHost.has(hostId)) return true;
    return (await this.remote?.holder(hostId)) !== undefined;
  }

  get connectedHostIds(): string[] {
    return [...this.byHost.keys()];
  }

  connection(hostId: string): AgentConnection | undefined {
    return this.byHost.get(hostId);
  }

  /**
   * A hello arrived: this connection becomes the host's; an older one is closed as replaced.
   * `pending` (from the hello) lists the commands of earlier connections the agent still has:
   * parked calls for others are given up.
   */
  attach(
    info: AgentConnectionInfo,
    closeSocket: (code: number, reason: string) => void,
    pending?: string[],
  ): AgentConnection {
    const hostId = info.hostId;
    const previous = this.byHost.get(hostId);
    const connection = new AgentConnection(info, closeSocket, {
      park: (id, call) => this.parked.set(id, { hostId, call }),
      cancelParked: (id, reason) => this.byHost.get(hostId)?.outbox.offer({ kind: "cancel", id, reason }),
      unknownResult: (message) => {
        if (!this.resolveParked(hostId, message)) this.remote?.forwardResult(hostId, message);
      },
      // Progress of a job parked elsewhere is skipped: its result still finds its way.
      unknownProgress: (message) => {
        const entry = this.parked.get(message.id);
        if (entry?.hostId === hostId) reportProgress(entry.call, message);
      },
    });
    this.byHost.set(hostId, connection);
    previous?.close(
      new LinkError("offline", "the agent reconnected; the call was lost with the old connection"),
      { code: linkCloseCodes.replaced, reason: "replaced by a newer connection of this host" },
      { park: true },
    );
    this.giveUpParked(hostId, pending);
    this.log(`host ${info.hostName} (${hostId}) connected, agent ${info.agentVersion}`);
    this.remote?.announce(hostId, pending);
    this.events.emit("connected", hostId);
    return connection;
  }

  /** An answer from the agent for a call parked here; false when there is none. */
  private resolveParked(hostId: string, message: ResultMessage): boolean {
    const entry = this.parked.get(message.id);
    if (!entry || entry.hostId !== hostId) return false;
    this.parked.delete(message.id);
    if (entry.call.settled) return false;
    settleCall(entry.call, message);
    return true;
  }

  /** The agent is back without these calls (it restarted, say): they fail now, not at their deadline. */
  private giveUpParked(hostId: string, pending: string[] | undefined): void {
    for (const [id, entry] of [...this.parked]) {
      if (entry.call.settled) this.parked.delete(id);
      else if (entry.hostId === hostId && pending && !pending.includes(id)) {
        this.parked.delete(id);
        entry.call.reject(
          new LinkError(
            "offline",
            `${entry.call.name}: the host's agent reconnected without the command's result`,
          ),
        );
      }
    }
  }

  /**
   * Another replica says it has the host's agent now. A connection we still hold for it is stale
   * (the agent left it without us noticing yet) unless ours is the newer one in the inventory.
   */
  private announced(hostId: string, replicaId: string, pending: string[] | undefined): void {
    this.giveUpParked(hostId, pending);
    this.events.emit("connected", hostId);
    const connection = this.byHost.get(hostId);
    if (!connection) return;
    this.db.host
      .findUnique({ where: { id: hostId }, select: { linkReplicaId: true } })
      .then((host) => {
        if (host?.linkReplicaId === this.replicaId || this.byHost.get(hostId) !== connection) return;
        this.log(`host ${connection.info.hostName} (${hostId}) moved to replica ${replicaId}`);
        connection.close(
          new LinkError("offline", "the host's agent reconnected to another console replica"),
          { code: linkCloseCodes.replaced, reason: "replaced by a newer connection of this host" },
          { park: true },
        );
        this.detach(connection);
      })
      .catch((error: unknown) => {
        if (!this.shuttingDown) console.error("[link] could not check where a host moved:", error);
      });
  }

  /**
   * The socket closed: the host is offline unless a newer connection already took over. `park`:
   * the connection was lost rather than closed by the agent, so its calls wait for the agent to
   * bring their answers on its next connection (see AgentConnection.close).
   */
  detach(connection: AgentConnection, options: { park?: boolean } = {}): void {
    connection.close(
      new LinkError("offline", "the host's agent disconnected before answering"),
      undefined,
      options,
    );
    if (this.byHost.get(connection.hostId) !== connection) return;
    this.byHost.delete(connection.hostId);
    this.log(`host ${connection.info.hostName} (${connection.hostId}) disconnected`);
    markDisconnected(this.db, connection.hostId, connection.info.connectedAt).catch((error: unknown) => {
      if (!this.shuttingDown) console.error("[link] could not mark a host offline:", error);
    });
  }

  /**
   * Ends a host's connection now (revocation); when it is not here, the replica holding it is asked
   * to. True when the connection was here.
   */
  disconnect(hostId: string, code: number, reason: string, options: { local?: boolean } = {}): boolean {
    const connection = this.byHost.get(hostId);
    if (!connection) {
      if (!options.local) this.remote?.requestDisconnect(hostId, code, reason);
      return false;
    }
    connection.close(new LinkError("offline", `the host's connection was closed: ${reason}`), {
      code,
      reason,
    });
    this.detach(connection);
    return true;
  }

  /**
   * Closes every connection (the console is stopping); agents reconnect to another replica or
   * later. The returned promise settles once the other replicas were told and Postgres let go.
   */
  shutdown(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.shuttingDown = true;
    clearInterval(this.timer);
    for (const { call } of this.parked.values()) {
      call.reject(new LinkError("offline", `${call.name}: the console is shutting down`));
    }
    this.parked.clear();
    for (const hostId of [...this.byHost.keys()]) {
      this.disconnect(hostId, linkCloseCodes.consoleShutdown, "the console is shutting down", {
        local: true,
      });
    }
    this.stopped = this.remote?.close() ?? Promise.resolve();
    return this.stopped;
  }

  /** Keeps `lastSeenAt` fresh and drops connections whose credential was revoked elsewhere. */
  private async refresh(): Promise<void> {
    for (const [id, { call }] of [...this.parked]) if (call.settled) this.parked.delete(id);
    const connections = [...this.byHost.values()];
    if (connections.length === 0) return;
    try {
      await markSeen(
        this.db,
        connections.map((c) => c.hostId),
        this.replicaId,
      );
      const revoked = await revokedAmong(
        this.db,
        connections.map((c) => c.info.credentialId),
      );
      for (const connection of connections) {
        if (revoked.has(connection.info.credentialId)) {
          this.disconnect(
            connection.hostId,
            linkCloseCodes.credentialRefused,
            "the host's credential was revoked",
          );
        }
      }
    } catch (error) {
      if (!this.shuttingDown) console.error("[link] refresh failed:", error);
    }
  }
}

function offline(what: string): LinkError {
  return new LinkError("offline", `${what}: the host's agent is not connected`);
}
