/** A promise around docker-modem's `dial`, for the few Engine endpoints dockerode does not expose fully. */
import type { DockerClient } from "./client.ts";
import { engineCall } from "./errors.ts";

export interface DialOptions {
  /** Path with a trailing `?` when `query` is used, the way docker-modem expects it. */
  path: string;
  method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD";
  query?: Record<string, unknown>;
  statusCodes: Record<number, true | string>;
  isStream?: boolean;
  abortSignal?: AbortSignal;
}

interface Modem {
  dial(options: object, callback: (error: unknown, data: unknown) => void): void;
}

export function dial<T>(client: DockerClient, options: DialOptions): Promise<T> {
  const modem = (client.docker as unknown as { modem: Modem }).modem;
  return new Promise((resolve, reject) => {
    modem.dial(
      {
        path: options.path,
        method: options.method,
        options: options.query ?? {},
        statusCodes: options.statusCodes,
        isStream: options.isStream ?? false,
        abortSignal: options.abortSignal,
      },
      (error, data) => (error ? reject(error) : resolve(data as T)),
    );
  });
}

/**
 * docker-modem puts the Engine's message for a failed *streaming* request only in the error's
 * text ("(HTTP code 500) server error - <message> "), while errors.ts reads it from `json` and
 * otherwise falls back to the bare reason. Moving the message into `json` keeps it.
 */
function withEngineMessage(error: unknown): unknown {
  const failure = error as { json?: unknown; message?: unknown; statusCode?: number } | undefined;
  if (!failure || failure.json || typeof failure.message !== "string" || failure.statusCode === undefined)
    return error;
  const cause = /^\(HTTP code \d+\) [^-]* - ([\s\S]*?)\s*$/.exec(failure.message)?.[1];
  if (cause) failure.json = { message: cause };
  return error;
}

/** engineCall for dockerode's streaming endpoints (archive, pull, push, build, import, load, save). */
export async function engineStreamCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  return engineCall(what, () => call().catch((error: unknown) => Promise.reject(withEngineMessage(error))));
}
