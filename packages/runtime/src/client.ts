/** The connection to one Docker Engine: socket or TCP(+TLS), API version negotiation, timeouts. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { z } from "zod";
import { engineCall, RuntimeError } from "./errors.ts";

/** Newest Engine API version this runtime is written against; older daemons are negotiated down. */
export const maxApiVersion = "1.47";
/** Oldest Engine API version we support (Docker 20.10). */
export const minApiVersion = "1.41";

export const EndpointSchema = z.union([
  z.object({ kind: z.literal("socket"), socketPath: z.string().min(1) }),
  z.object({
    kind: z.literal("tcp"),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    tls: z.object({ ca: z.string(), cert: z.string(), key: z.string() }).optional(),
  }),
]);
export type Endpoint = z.infer<typeof EndpointSchema>;

export interface DockerClient {
  /** The dockerode instance, pinned to the negotiated API version. */
  readonly docker: Docker;
  readonly endpoint: Endpoint;
  readonly apiVersion: string;
  readonly engineVersion: string;
}

export interface ConnectOptions {
  endpoint?: Endpoint;
  /** Per-request timeout in ms for non-streaming calls. */
  timeoutMs?: number;
}

/**
 * Reads the endpoint the way the docker CLI does: `DOCKER_HOST` (unix:// or tcp://),
 * `DOCKER_TLS_VERIFY` + `DOCKER_CERT_PATH` for TLS, else the default socket.
 */
export function endpointFromEnv(env: Record<string, string | undefined> = process.env): Endpoint {
  const host = env.DOCKER_HOST;
  if (!host) return { kind: "socket", socketPath: "/var/run/docker.sock" };
  if (host.startsWith("unix://"))
    return { kind: "socket", socketPath: host.slice(7) || "/var/run/docker.sock" };
  if (!host.startsWith("tcp://")) {
    throw new RuntimeError("invalid_spec", `DOCKER_HOST "${host}" must start with unix:// or tcp://`);
  }
  const url = new URL(host.replace(/^tcp:/, "http:"));
  const useTls = env.DOCKER_TLS_VERIFY === "1" || url.port === "2376";
  const certPath = env.DOCKER_CERT_PATH;
  const tls =
    useTls && certPath
      ? {
          ca: readFileSync(join(certPath, "ca.pem"), "utf8"),
          cert: readFileSync(join(certPath, "cert.pem"), "utf8"),
          key: readFileSync(join(certPath, "key.pem"), "utf8"),
        }
      : undefined;
  if (useTls && !tls) throw new RuntimeError("invalid_spec", "DOCKER_TLS_VERIFY=1 needs DOCKER_CERT_PATH");
  return { kind: "tcp", host: url.hostname, port: Number(url.port || (useTls ? 2376 : 2375)), tls };
}

function describe(endpoint: Endpoint): string {
  return endpoint.kind === "socket"
    ? `unix://${endpoint.socketPath}`
    : `${endpoint.tls ? "https" : "tcp"}://${endpoint.host}:${endpoint.port}`;
}

function dockerFor(endpoint: Endpoint, timeoutMs: number | undefined, version?: string): Docker {
  const common = { timeout: timeoutMs, ...(version ? { version: `v${version}` } : {}) };
  if (endpoint.kind === "socket") return new Docker({ socketPath: endpoint.socketPath, ...common });
  return new Docker({
    host: endpoint.host,
    port: endpoint.port,
    protocol: endpoint.tls ? "https" : "http",
    ...(endpoint.tls ?? {}),
    ...common,
  });
}

/** Compares dotted API versions ("1.41" < "1.47"). */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/**
 * Connects to an Engine and negotiates the API version: the lower of the daemon's and ours.
 * Fails with `unreachable` when nothing answers and `engine` when the daemon is too old.
 */
export async function connect(options: ConnectOptions = {}): Promise<DockerClient> {
  const endpoint = options.endpoint ?? endpointFromEnv();
  const probe = dockerFor(endpoint, options.timeoutMs ?? 10_000);
  const version = await engineCall(`connect to ${describe(endpoint)}`, () => probe.version());
  const daemonApi = version.ApiVersion;
  if (compareApiVersions(daemonApi, minApiVersion) < 0) {
    throw new RuntimeError(
      "engine",
      `Docker Engine ${version.Version} at ${describe(endpoint)} speaks API ${daemonApi}; at least ${minApiVersion} is needed`,
    );
  }
  const apiVersion = compareApiVersions(daemonApi, maxApiVersion) < 0 ? daemonApi : maxApiVersion;
  return {
    docker: dockerFor(endpoint, options.timeoutMs, apiVersion),
    endpoint,
    apiVersion,
    engineVersion: version.Version,
  };
}

export { describe as describeEndpoint };
