/** A promise around docker-modem's `dial`, for the few Engine endpoints dockerode does not expose fully. */
import type { DockerClient } from "./client.ts";

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
