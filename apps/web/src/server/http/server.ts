/**
 * The console's one HTTP server: health, the tRPC API, the audit CSV, the agent's install script
 * and downloads, then the Next.js UI; and the agents' WebSocket link at /api/agent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { resolveActor } from "../access/actor.ts";
import { sessionCookiePolicy } from "../access/cookies.ts";
import { serveAuditCsv } from "../audit/csv-route.ts";
import type { Config } from "../config.ts";
import { checkHealth } from "../health/service.ts";
import { attachAgentLink } from "../link/server.ts";
import { serveAgentDownloads } from "../onboarding/download-route.ts";
import { appRouter } from "../router.ts";
import type { Context } from "../trpc.ts";
import { isSameOrigin } from "./origin.ts";
import { requestMeta } from "./request-meta.ts";
import { sendError, sendJson } from "./respond.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ServerDeps {
  config: Config;
  db: PrismaClient;
  /** Next.js's request handler for the UI. */
  ui: Handler;
}

const securityHeaders: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
};

export function createConsoleServer({ config, db, ui }: ServerDeps): Server {
  const cookie = sessionCookiePolicy(config.publicUrl);
  const createContext = async (req: IncomingMessage, res: ServerResponse): Promise<Context> => {
    const request = requestMeta(req);
    return {
      db,
      request,
      actor: await resolveActor(db, request, cookie),
      cookie,
      publicUrl: config.publicUrl,
      setCookie: (value) => res.appendHeader("Set-Cookie", value),
    };
  };
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/api/trpc/",
    createContext: ({ req, res }) => createContext(req, res),
  });

  const server = createServer(async (req, res) => {
    for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
    const url = new URL(req.url ?? "/", "http://console");
    try {
      if (url.pathname === "/api/health") {
        const health = await checkHealth(() => db.$queryRaw`SELECT 1`);
        return sendJson(res, health.status === "ok" ? 200 : 503, health);
      }
      if (url.pathname.startsWith("/api/")) {
        // Browsers send Origin on cross-site requests: refuse any that is not ours, for every method.
        if (!isSameOrigin(req, config.publicUrl)) {
          return sendError(res, 403, "FORBIDDEN", "cross-origin request refused");
        }
        if (url.pathname.startsWith("/api/trpc/")) return trpc(req, res);
        if (url.pathname === "/api/audit.csv") return serveAuditCsv(await createContext(req, res), url, res);
        if (url.pathname.startsWith("/api/agent/")) return serveAgentDownloads(db, req, url, res);
        return sendError(res, 404, "NOT_FOUND", `no API at ${url.pathname}`);
      }
      await ui(req, res);
    } catch (error) {
      console.error(`[http] ${req.method} ${url.pathname} failed:`, error);
      if (!res.headersSent) sendError(res, 500, "INTERNAL", "internal error");
      else res.end();
    }
  });
  // With the database's URL the link is one replica among others, routing through Postgres.
  const link = attachAgentLink(server, db, { databaseUrl: config.databaseUrl });
  // Agent sockets left the HTTP machinery at upgrade, so `close()` would wait for them forever.
  // The callback also waits for the link to have told the other replicas.
  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    const stopped = link.shutdown();
    return close((error) => {
      void stopped.finally(() => callback?.(error));
    });
  };
  return server;
}

/** Listens, turning "port taken" and "no permission" into one-line errors. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE")
        reject(new Error(`port ${port} is already in use (set PORT to another port)`));
      else if (error.code === "EACCES") reject(new Error(`no permission to listen on port ${port}`));
      else reject(error);
    });
    server.listen(port, host, () => resolve());
  });
}
