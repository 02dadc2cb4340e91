/** The WebSocket the tRPC client opens: the `ws` package, with the console's certificate pinned when asked. */
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import WebSocket, { type ClientOptions } from "ws";

export interface SocketOptions {
  /** SHA-256 fingerprint (AA:BB:…) the console's certificate must have; any CA (or none) then. */
  fingerprint?: string;
}

/**
 * How long a close waits for the console's close frame before the socket is destroyed. `ws` waits
 * 30 s; when the keep-alive closes a connection because the console went silent (network cut,
 * console host gone), nothing will answer, and the agent should be reconnecting instead.
 */
export const closeGraceMs = 2_000;

/** A WebSocket class as tRPC's createWSClient wants one (it calls `new WebSocket(url)`). */
export function socketClass(options: SocketOptions): typeof WebSocket {
  const clientOptions: ClientOptions = { handshakeTimeout: 15_000, perMessageDeflate: false };
  const pin = options.fingerprint;
  if (pin) {
    clientOptions.createConnection = ((connectOptions: ConnectionOptions) => {
      // The chain is not checked against CAs; the pin replaces that check. No byte of ours (the
      // credential travels after the upgrade) is sent before the fingerprint matched.
      const socket = tlsConnect({ ...connectOptions, rejectUnauthorized: false });
      socket.once("secureConnect", () => {
        const seen = socket.getPeerCertificate().fingerprint256;
        if (seen !== pin) {
          socket.destroy(
            new Error(`the console's certificate fingerprint is ${seen}, not the pinned ${pin}`),
          );
        }
      });
      return socket;
    }) as unknown as ClientOptions["createConnection"];
  }
  return class extends WebSocket {
    constructor(address: string | URL) {
      super(address, clientOptions);
    }

    override close(code?: number, reason?: string | Buffer): void {
      super.close(code, reason);
      if (this.readyState === WebSocket.CLOSED) return;
      setTimeout(() => this.terminate(), closeGraceMs).unref();
    }
  } as typeof WebSocket;
}
