/**
 * Test-only: a unix socket in front of the local dockerd that passes bytes through untouched and
 * keeps, per connection, the requests sent over it and when it closed — so a test can see that a
 * call given up on really let go of its Engine connection, not merely stopped listening to it.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ProxiedConnection {
  /** Request lines seen on it, e.g. `POST /v1.41/containers/abc/wait?`. */
  readonly requests: string[];
  /** Resolves when the caller's side of the connection closed. */
  readonly closed: Promise<void>;
  readonly open: boolean;
}

export interface EngineProxy {
  /** Where to point a client (`unix://` + this as DOCKER_HOST). */
  readonly socketPath: string;
  /** Resolves with the first connection that carried a request matching `pattern`, now or later. */
  requested(pattern: RegExp): Promise<ProxiedConnection>;
  /** Every request line seen so far, over all connections, in order per connection. */
  requests(): string[];
  close(): Promise<void>;
}

const requestLine = /^(?:GET|POST|PUT|DELETE|HEAD) \S+(?= HTTP\/1\.1\r$)/gm;

export async function startEngineProxy(engineSocketPath: string): Promise<EngineProxy> {
  const dir = await mkdtemp(join(tmpdir(), "dftest-engine-proxy-"));
  const socketPath = join(dir, "docker.sock");
  const connections: ProxiedConnection[] = [];
  const sockets = new Set<Socket>();
  const waiters: Array<{ pattern: RegExp; resolve(connection: ProxiedConnection): void }> = [];

  const notify = (connection: ProxiedConnection) => {
    for (const waiter of [...waiters]) {
      if (!connection.requests.some((line) => waiter.pattern.test(line))) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(connection);
    }
  };

  const server = createServer((caller) => {
    const engine = createConnection(engineSocketPath);
    const connection = {
      requests: [] as string[],
      closed: once(caller, "close").then(() => undefined),
      open: true,
    };
    connection.closed.then(() => {
      connection.open = false;
    });
    connections.push(connection);
    sockets.add(caller).add(engine);
    caller.on("data", (chunk: Buffer) => {
      const lines = chunk.toString("latin1").match(requestLine);
      if (!lines) return;
      connection.requests.push(...lines);
      notify(connection);
    });
    caller.pipe(engine).pipe(caller);
    caller.on("error", () => engine.destroy());
    engine.on("error", () => caller.destroy());
    caller.on("close", () => engine.destroy());
  });
  server.listen(socketPath);
  await once(server, "listening");

  return {
    socketPath,
    requested(pattern) {
      const seen = connections.find((c) => c.requests.some((line) => pattern.test(line)));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
    requests: () => connections.flatMap((connection) => connection.requests),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
