/** What the server knows about a request before any domain code runs: source address, origin, cookies. */
import type { IncomingMessage } from "node:http";

export interface RequestMeta {
  ip: string;
  origin: string | undefined;
  userAgent: string | undefined;
  cookies: Record<string, string>;
  authorization: string | undefined;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of header?.split(";") ?? []) {
    const index = part.indexOf("=");
    if (index < 1) continue;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      cookies[name] = value;
    }
  }
  return cookies;
}

export function requestMeta(req: IncomingMessage): RequestMeta {
  return {
    ip: req.socket.remoteAddress ?? "unknown",
    origin: req.headers.origin,
    userAgent: req.headers["user-agent"],
    cookies: parseCookies(req.headers.cookie),
    authorization: req.headers.authorization,
  };
}
