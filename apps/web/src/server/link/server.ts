/**
 * The agents' endpoint on the console's HTTP server: WebSocket upgrades at /api/agent carry tRPC
 * (the agent router). Browsers are refused: an upgrade with an Origin header is not an agent.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { agentLinkPath, ConnectionParamsSchema, linkCloseCodes, linkEncoder } from "@dockfleet/protocol";
import { TRPCError } from "@trpc/server";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import { WebSocketServer } from "ws";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { authenticateAgent, LinkAuthError } from "./enrollment.ts";
import { LinkRegistry, type LinkRegistryOptions } from "./registry.ts";
import { type AgentContext, agentRouter } from "./router.ts";
import { registerLink } from "./store.ts";

export interface AgentLinkOptions extends LinkRegistryOptions {
  /** Ping interval; a connection silent for pingMs + pongWaitMs is dropped (host offline). */
  pingMs?: number;
  pongWaitMs?: number;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Serves agents on `server` and returns the registry of the agents connected to it. */
export function attachAgentLink(
  server: Server,
  db: PrismaClient,
  options: AgentLinkOptions = {},
): LinkRegistry {
  const registry = new LinkRegistry(db, options);
  registerLink(db, registry);
  // Chunks are bounded by the agent (a few hundred KB); the cap stops a runaway peer.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });

  applyWSSHandler<typeof agentRouter>({
    wss,
    router: agentRouter,
    // Byte pieces go in binary frames (see the protocol's wire.ts).
    experimental_encoder: linkEncoder,
    keepAlive: { enabled: true, pingMs: options.pingMs ?? 5_000, pongWaitMs: options.pongWaitMs ?? 5_000 },
    async createContext({ req, res: socket, info }): Promise<AgentContext> {
      const params = ConnectionParamsSchema.safeParse(info.connectionParams ?? {});
      const credential = params.success ? params.data.credential : undefined;
      const session: AgentContext["session"] = {};
      socket.once("close", (code: number) => {
        // A close from the agent (it is stopping) ends its commands; a lost connection may not.
        const agentStopped = code === 1000 || code === 1005;
        if (session.connection) registry.detach(session.connection, { park: !agentStopped });
      });
      const context: AgentContext = {
        db,
        registry,
        socket: {
          close: (code, reason) => socket.close(code, reason),
          isOpen: () => socket.readyState === socket.OPEN,
        },
        ip: req.socket.remoteAddress ?? "unknown",
        identity: undefined,
        session,
      };
      if (credential === undefined) {
        // Without a credential a connection may only enroll, and only for a minute.
        const timer = setTimeout(
          () => socket.close(linkCloseCodes.enrollTimeout, "enroll within 60 s"),
          60_000,
        );
        socket.once("close", () => clearTimeout(timer));
        return context;
      }
      try {
        return { ...context, identity: await authenticateAgent(db, credential) };
      } catch (error) {
        if (!(error instanceof LinkAuthError)) throw error;
        // The close code tells the agent not to retry with this credential.
        socket.close(linkCloseCodes.credentialRefused, error.message.slice(0, 120));
        throw new TRPCError({ code: "UNAUTHORIZED", message: error.message });
      }
    },
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR")
        console.error(`[link] ${path ?? "connection"} failed:`, error);
    },
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://console").pathname;
    if (path !== agentLinkPath) return refuse(socket, 404, "Not Found");
    // Every browser sends Origin on a WebSocket upgrade; agents never do.
    if (req.headers.origin !== undefined) return refuse(socket, 403, "Forbidden");
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });

  return registry;
}

/** Closes every agent connection; call before `server.close()`, whose callback waits for them. */
export function closeAgentLink(registry: LinkRegistry): Promise<void> {
  return registry.shutdown();
}
