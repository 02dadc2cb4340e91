/** Cross-origin protection: a browser request that changes state must come from the console's own origin. */
import type { IncomingMessage } from "node:http";

/**
 * True when the request carries no Origin (not a browser: curl, scripts with a token)
 * or an Origin equal to the console's public URL or to the Host it was addressed to.
 */
export function isSameOrigin(req: IncomingMessage, publicUrl: string): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (origin === new URL(publicUrl).origin) return true;
  const host = req.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}
