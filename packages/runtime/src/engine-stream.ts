/** Raw streaming Engine calls: the response body as a Node stream, for endpoints dockerode buffers. */
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import type { DockerClient } from "./client.ts";
import { RuntimeError, toRuntimeError } from "./errors.ts";

export type Query = Record<string, string | number | boolean | string[] | object | undefined>;

export interface StreamCall {
  method: "GET" | "POST" | "PUT";
  /** Path below the API version, with a trailing `?` when a query follows (docker-modem's rule). */
  path: string;
  query?: Query;
  /** Operation and target for error messages, e.g. `logs of container "web"`. */
  what: string;
  signal?: AbortSignal;
  /** A request body streamed as-is (e.g. a tar archive). */
  body?: Readable;
  /** A JSON request body (POST). */
  json?: object;
  headers?: Record<string, string>;
  statusCodes?: Record<number, true | string>;
}

interface Modem {
  dial(options: object, callback: (error: unknown, data: unknown) => void): void;
}

function withoutUndefined(query: Query = {}): Query {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined));
}

/** Fails at once when the signal is already aborted, so no request is sent for nothing. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new RuntimeError("aborted", `${what}: cancelled`);
}

/**
 * Opens a streaming Engine request and resolves with the response body once the status is known.
 * Aborting the signal destroys the body, which ends any `for await` over it.
 */
export function openStream(client: DockerClient, call: StreamCall): Promise<IncomingMessage> {
  throwIfAborted(call.signal, call.what);
  const modem = client.docker.modem as unknown as Modem;
  return new Promise((resolve, reject) => {
    modem.dial(
      {
        path: call.path,
        method: call.method,
        options: { _query: withoutUndefined(call.query), _body: call.json ?? {} },
        isStream: true,
        allowEmpty: true,
        file: call.body,
        headers: call.headers,
        abortSignal: call.signal,
        statusCodes: { 200: true, 204: true, ...(call.statusCodes ?? {}) },
      },
      (error, data) => {
        if (error) return reject(toRuntimeError(error, call.what));
        const body = data as IncomingMessage;
        bindAbort(body, call.signal);
        resolve(body);
      },
    );
  });
}

function bindAbort(stream: Readable, signal: AbortSignal | undefined): void {
  if (!signal) return;
  // node's http only aborts the request phase; after the headers the body must be destroyed by us.
  const onAbort = () => {
    stream.destroy();
  };
  if (signal.aborted) {
    onAbort();
    return;
  }
  signal.addEventListener("abort", onAbort, { once: true });
  stream.once("close", () => signal.removeEventListener("abort", onAbort));
}
