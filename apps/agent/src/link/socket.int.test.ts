/** Certificate pinning against a real TLS WebSocket server with a self-signed certificate (openssl). */
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { socketClass } from "./socket.ts";

const run = promisify(execFile);
let dir: string;
let server: Server;
let url: string;
let fingerprint: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dftest-tls-"));
  const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=console.test",
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  const pem = await readFile(cert);
  fingerprint = new X509Certificate(pem).fingerprint256;
  server = createServer({ key: await readFile(key), cert: pem });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (socket) => socket.send("hello"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

function attempt(options: { fingerprint?: string }): Promise<string> {
  const Socket = socketClass(options);
  return new Promise((resolve) => {
    const socket = new Socket(url);
    socket.on("message", (data) => {
      socket.close();
      resolve(`message ${data.toString()}`);
    });
    socket.on("error", (error) => resolve(`error ${error.message}`));
  });
}

describe("console certificate pinning", () => {
  it("accepts a self-signed console whose fingerprint is pinned", async () => {
    expect(await attempt({ fingerprint })).toBe("message hello");
  });

  it("refuses another certificate", async () => {
    const other = fingerprint.replace(/^../, fingerprint.startsWith("00") ? "11" : "00");
    expect(await attempt({ fingerprint: other })).toMatch(/certificate fingerprint is .*, not the pinned/);
  });

  it("checks the certificate against CAs without a pin", async () => {
    expect(await attempt({})).toMatch(/self-signed certificate/);
  });
});
