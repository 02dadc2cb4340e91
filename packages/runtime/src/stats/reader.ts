/**
 * Small JSON reads from the Engine straight over node:http, on sockets kept open between sweeps.
 * A stats sweep sends one read per container every few seconds; through dockerode each read also
 * paid docker-modem's per-request work (it formats every request's options with util.inspect,
 * debugging on or off), about a third of what a sweep allocated (bench/agent-memory.bench.ts).
 */
import http from "node:http";
import https from "node:https";
import type { DockerClient } from "../client.ts";
import { RuntimeError, toRuntimeError } from "../errors.ts";

/** Sockets left idle this long are closed: a sweep every few seconds keeps reusing them. */
const idleSocketMs = 5_000;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class EngineReader {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly target: http.RequestOptions;
  private readonly prefix: string;

  /** `maxSockets` bounds the connections open to the Engine at once. */
  constructor(client: DockerClient, maxSockets: number) {
    const { endpoint } = client;
    const keep = { keepAlive: true, maxSockets, timeout: idleSocketMs };
    if (endpoint.kind === "socket") {
      this.agent = new http.Agent(keep);
      this.request = http.request;
      this.target = { socketPath: endpoint.socketPath };
    } else {
      this.agent = endpoint.tls ? new https.Agent({ ...keep, ...endpoint.tls }) : new http.Agent(keep);
      this.request = endpoint.tls ? https.request : http.request;
      this.target = { host: endpoint.host, port: endpoint.port };
    }
    this.prefix = `/v${client.apiVersion}`;
  }

  /**
   * GETs `path` (below the API version) and parses the JSON answer (undefined for an empty one).
   * Anything but a 2xx becomes a RuntimeError carrying the Engine's message; `what` names the
   * operation in it.
   */
  get<T>(path: string, what: string, signal?: AbortSignal): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) =>
        reject(
          signal?.aborted ? new RuntimeError("aborted", `${what}: cancelled`) : toRuntimeError(error, what),
        );
      const options = { ...this.target, agent: this.agent, path: this.prefix + path, signal };
      const request = this.request(options, (response) => {
        const status = response.statusCode ?? 0;
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("error", fail);
        response.on("end", () => {
          const body = parseJson(text);
          if (status < 200 || status > 299)
            fail({ statusCode: status, json: body ?? text, message: `HTTP ${status}` });
          else if (body === undefined && text.trim())
            fail(new Error(`the Engine answered ${status} without JSON`));
          else resolve(body as T | undefined);
        });
      });
      request.on("error", fail);
      request.end();
    });
  }

  /** Closes the sockets kept open (the reader stays usable: a later read opens new ones). */
  close(): void {
    this.agent.destroy();
  }
}
