/**
 * The link registry: the agents connected to this console process, by host. Domain code reaches a
 * host only through `call` (one command, one typed result) and `stream` (chunks until cancelled).
 */
import { EventEmitter, once } from "node:events";
import {
  type CommandInput,
  type CommandResult,
  LinkError,
  linkCloseCodes,
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
  type StreamOptions,
} from "./connection.ts";
import { revokedAmong } from "./enrollment.ts";
import { markDisconnected, markSeen, seenRefreshMs } from "./status.ts";

export type { CallOptions, LinkStream, StreamOptions } from "./connection.ts";

export interface LinkRegistryOptions {
  /** How often connected hosts' `lastSeenAt` is refreshed and their credentials re-checked. */
  refreshMs?: number;
  log?: (message: string) => void;
}

export class LinkRegistry {
  private readonly byHost = new Map<string, AgentConnection>();
  /** Emits `connected` with the host id whenever an agent says hello. */
  private readonly events = new EventEmitter();
  private readonly timer: NodeJS.Timeout;
  private readonly log: (message: string) => void;
  private shuttingDown = false;

  constructor(
    private readonly db: PrismaClient,
    options: LinkRegistryOptions = {},
  ) {
    this.log = options.log ?? ((message) => console.log(`[link] ${message}`));
    this.timer = setInterval(() => void this.refresh(), options.refreshMs ?? seenRefreshMs);
    this.timer.unref();
  }

  /** Runs one command on a host's agent: its typed result, or a LinkError (offline, timeout, docker, …). */
  call<N extends UnaryCommandName>(
    hostId: string,
    name: N,
    input: CommandInput<N>,
    options?: CallOptions,
  ): Promise<CommandResult<N>> {
    const connection = this.byHost.get(hostId);
    if (!connection) return Promise.reject(offline(name));
    return connection.call(name, input, options);
  }

  /** Opens a stream on a host's agent; iterate it for chunks, stop iterating (or cancel) to end it. */
  stream<N extends StreamCommandName>(
    hostId: string,
    name: N,
    input: CommandInput<N>,
    options?: StreamOptions,
  ): LinkStream<N> {
    const connection = this.byHost.get(hostId);
    if (!connection) return failedStream(offline(name));
    return connection.stream(name, input, options);
  }

  /** Resolves once the host's agent is connected (at once if it is); rejects when the signal aborts. */
  async whenConnected(hostId: string, signal?: AbortSignal): Promise<void> {
    this.events.setMaxListeners(0);
    while (!this.byHost.has(hostId)) {
      const [connected] = (await once(this.events, "connected", { signal })) as [string];
      if (connected === hostId) return;
    }
  }

  isConnected(hostId: string): boolean {
    return this.byHost.has(hostId);
  }

  get connectedHostIds(): string[] {
    return [...this.byHost.keys()];
  }

  connection(hostId: string): AgentConnection | undefined {
    return this.byHost.get(hostId);
  }

  /** A hello arrived: this connection becomes the host's; an older one is closed as replaced. */
  attach(info: AgentConnectionInfo, closeSocket: (code: number, reason: string) => void): AgentConnection {
    const previous = this.byHost.get(info.hostId);
    const connection = new AgentConnection(info, closeSocket);
    this.byHost.set(info.hostId, connection);
    previous?.close(
      new LinkError("offline", "the agent reconnected; the call was lost with the old connection"),
      {
        code: linkCloseCodes.replaced,
        reason: "replaced by a newer connection of this host",
      },
    );
    this.log(`host ${info.hostName} (${info.hostId}) connected, agent ${info.agentVersion}`);
    this.events.emit("connected", info.hostId);
    return connection;
  }

  /** The socket closed: the host is offline unless a newer connection already took over. */
  detach(connection: AgentConnection): void {
    connection.close(new LinkError("offline", "the host's agent disconnected before answering"));
    if (this.byHost.get(connection.hostId) !== connection) return;
    this.byHost.delete(connection.hostId);
    this.log(`host ${connection.info.hostName} (${connection.hostId}) disconnected`);
    markDisconnected(this.db, connection.hostId, connection.info.connectedAt).catch((error: unknown) => {
      if (!this.shuttingDown) console.error("[link] could not mark a host offline:", error);
    });
  }

  /** Ends a host's connection now (revocation). */
  disconnect(hostId: string, code: number, reason: string): boolean {
    const connection = this.byHost.get(hostId);
    if (!connection) return false;
    connection.close(new LinkError("offline", `the host's connection was closed: ${reason}`), {
      code,
      reason,
    });
    this.detach(connection);
    return true;
  }

  /** Closes every connection (the console is stopping); agents reconnect to another replica or later. */
  shutdown(): void {
    this.shuttingDown = true;
    clearInterval(this.timer);
    for (const hostId of [...this.byHost.keys()]) {
      this.disconnect(hostId, linkCloseCodes.consoleShutdown, "the console is shutting down");
    }
  }

  /** Keeps `lastSeenAt` fresh and drops connections whose credential was revoked elsewhere. */
  private async refresh(): Promise<void> {
    const connections = [...this.byHost.values()];
    if (connections.length === 0) return;
    try {
      await markSeen(
        this.db,
        connections.map((c) => c.hostId),
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
