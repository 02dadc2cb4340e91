/** The console's one HTTP server: health, the tRPC API, then the Next.js UI for everything else. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { Config } from "../config.ts";
import { checkHealth } from "../health/service.ts";
import { appRouter } from "../router.ts";
import { isSameOrigin } from "./origin.ts";
import { requestMeta } from "./request-meta.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ServerDeps {
  config: Config;
  pingDatabase: () => Promise<unknown>;
  /** Next.js's request handler for the UI. */
  ui: Handler;
}

const securityHeaders: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

export function createConsoleServer({ config, pingDatabase, ui }: ServerDeps): Server {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/api/trpc/",
    createContext: ({ req }) => ({ request: requestMeta(req) }),
  });

  return createServer(async (req, res) => {
    for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    try {
      if (path === "/api/health") {
        const health = await checkHealth(pingDatabase);
        return sendJson(res, health.status === "ok" ? 200 : 503, health);
      }
      if (path.startsWith("/api/trpc/")) {
        if (req.method !== "GET" && !isSameOrigin(req, config.publicUrl)) {
          return sendJson(res, 403, {
            error: { code: "FORBIDDEN", message: "cross-origin request refused" },
          });
        }
        return trpc(req, res);
      }
      await ui(req, res);
    } catch (error) {
      console.error(`[http] ${req.method} ${path} failed:`, error);
      if (!res.headersSent) sendJson(res, 500, { error: { code: "INTERNAL", message: "internal error" } });
      else res.end();
    }
  });
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
