import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServer, type Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "./client.ts";
import { isRuntimeError } from "./errors.ts";
import { StatsSampler } from "./stats.ts";
import { removeCreated, runTestContainer } from "./test-containers.ts";

// A real Engine behind real mutual TLS: a TLS listener that requires a client certificate from our
// CA and pipes the bytes to the local Engine's socket, as dockerd --tlsverify would serve them.
let dir: string;
let server: Server;
let port: number;
const pem = (name: string) => readFileSync(path.join(dir, name), "utf8");

function openssl(cwd: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd, stdio: "ignore" });
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A self-signed certificate and its key in `cwd` (a CA, or a client nobody trusts). */
function selfSigned(cwd: string, key: string, cert: string, subject: string): void {
  openssl(cwd, "req", "-x509", ...ecKey, "-keyout", key, "-subj", subject, "-days", "1", "-out", cert);
}

/** A key and a certificate signed by our CA, with the extensions in `<name>.ext`. */
function issue(name: string, subject: string): void {
  openssl(
    dir,
    "req",
    "-new",
    ...ecKey,
    "-keyout",
    `${name}-key.pem`,
    "-subj",
    subject,
    "-out",
    `${name}.csr`,
  );
  openssl(
    dir,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "dftest-tls-"));
  selfSigned(dir, "ca-key.pem", "ca.pem", "/CN=dftest-ca");
  execFileSync(
    "sh",
    [
      "-c",
      "echo 'subjectAltName=IP:127.0.0.1' > server.ext; echo 'extendedKeyUsage=clientAuth' > client.ext",
    ],
    { cwd: dir },
  );
  issue("server", "/CN=127.0.0.1");
  issue("client", "/CN=dftest-client");
  server = createServer(
    {
      key: pem("server-key.pem"),
      cert: pem("server.pem"),
      ca: pem("ca.pem"),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      const engine = netConnect("/var/run/docker.sock");
      socket.pipe(engine).pipe(socket);
      socket.on("error", () => engine.destroy());
      engine.on("error", () => socket.destroy());
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("connecting over TCP with TLS", () => {
  it("speaks to the Engine with the CA, certificate and key of DOCKER_CERT_PATH", async () => {
    const tls = { ca: pem("ca.pem"), cert: pem("client.pem"), key: pem("client-key.pem") };
    const client = await connect({ endpoint: { kind: "tcp", host: "127.0.0.1", port, tls } });
    const local = await connect();
    expect(client.engineVersion).toBe(local.engineVersion);
    const [remoteInfo, localInfo] = await Promise.all([client.docker.info(), local.docker.info()]);
    expect(remoteInfo.ID).toBe(localInfo.ID);
    // The stats sampler reads on sockets of its own, not dockerode's: over the same TLS.
    const container = await runTestContainer(local, "sleep 3600");
    try {
      const sweep = await new StatsSampler(client, { containers: [container.id] }).sweep();
      expect(sweep.samples.map((s) => s.containerId)).toEqual([container.id]);
      expect(sweep.failures).toEqual([]);
    } finally {
      await removeCreated(local);
    }
  });

  it("fails with a typed error when the daemon does not trust our certificate", async () => {
    const stranger = mkdtempSync(path.join(tmpdir(), "dftest-tls-stranger-"));
    try {
      selfSigned(stranger, "key.pem", "cert.pem", "/CN=stranger");
      const tls = {
        ca: pem("ca.pem"),
        cert: readFileSync(path.join(stranger, "cert.pem"), "utf8"),
        key: readFileSync(path.join(stranger, "key.pem"), "utf8"),
      };
      const error = await connect({ endpoint: { kind: "tcp", host: "127.0.0.1", port, tls } }).catch(
        (e: unknown) => e,
      );
      expect(isRuntimeError(error)).toBe(true);
      expect((error as Error).message).toMatch(/connect to https:\/\/127\.0\.0\.1/);
    } finally {
      rmSync(stranger, { recursive: true, force: true });
    }
  });
});
