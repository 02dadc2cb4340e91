/**
 * GET /api/agent/install.sh and the two files it downloads (/api/agent/download/node and
 * /api/agent/download/agent.cjs), for installing the agent by hand. No sign-in: nothing here is
 * secret (the enrollment token never passes through these URLs). A fixed set of paths, no path
 * taken from the request.
 */
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { sendError } from "../http/respond.ts";
import { agentDownloadPaths, installScript, noBundleScript } from "./install-script.ts";
import { shippedArch } from "./layout.ts";
import { onboardingSettings } from "./settings.ts";
import { type ShippedFile, shippedFiles } from "./shipped.ts";

function sendScript(req: IncomingMessage, res: ServerResponse, script: string): void {
  // text/plain: a browser shows it for reading; `sh` does not care.
  res.writeHead(200, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(script),
    "Cache-Control": "no-store",
  });
  res.end(req.method === "HEAD" ? undefined : script);
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: ShippedFile, type: string) {
  res.writeHead(200, {
    "Content-Type": type,
    "Content-Length": file.size,
    ETag: `"${file.sha256}"`,
    "Cache-Control": "no-cache",
  });
  if (req.method === "HEAD") return void res.end();
  // A host that hangs up mid-download is not the console's failure.
  await pipeline(createReadStream(file.path), res).catch((error: unknown) => {
    if (!res.destroyed) throw error;
  });
}

/** Answers every request under /api/agent/ (the agents' WebSocket is the upgrade at /api/agent). */
export async function serveAgentDownloads(
  db: PrismaClient,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
): Promise<void> {
  const known: string[] = Object.values(agentDownloadPaths);
  if (!known.includes(url.pathname)) return sendError(res, 404, "NOT_FOUND", `no API at ${url.pathname}`);
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    return sendError(res, 405, "METHOD_NOT_ALLOWED", "only GET and HEAD");
  }
  const settings = onboardingSettings(db);
  const files = await shippedFiles(settings);
  if (url.pathname === agentDownloadPaths.script) {
    const script = files
      ? installScript({
          consoleUrl: settings.consoleUrl.replace(/\/+$/, ""),
          arch: shippedArch(),
          nodeSha256: files.node.sha256,
          bundleSha256: files.bundle.sha256,
          enrollTimeoutSeconds: Math.round(settings.onlineTimeoutMs / 1000),
        })
      : noBundleScript;
    return sendScript(req, res, script);
  }
  if (!files) {
    return sendError(res, 503, "UNAVAILABLE", "this console has no agent bundle: run npm run build on it");
  }
  if (url.pathname === agentDownloadPaths.node) {
    return sendFile(req, res, files.node, "application/octet-stream");
  }
  return sendFile(req, res, files.bundle, "application/javascript");
}
