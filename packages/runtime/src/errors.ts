/** Typed errors of the runtime: every failure of an Engine call becomes one of these codes. */

export const runtimeErrorCodes = [
  "unreachable",
  "not_found",
  "conflict",
  "invalid_spec",
  "permission",
  "not_modified",
  "timeout",
  "aborted",
  "engine",
] as const;
export type RuntimeErrorCode = (typeof runtimeErrorCodes)[number];

/** An error a caller can act on: a stable `code` and a message a person can read. */
export class RuntimeError extends Error {
  override readonly name = "RuntimeError";
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
  }

  toJSON(): { code: RuntimeErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isRuntimeError(error: unknown, code?: RuntimeErrorCode): error is RuntimeError {
  return error instanceof RuntimeError && (code === undefined || error.code === code);
}

interface EngineFailure {
  statusCode?: number;
  code?: string;
  name?: string;
  reason?: string;
  message?: string;
  json?: unknown;
}

const byStatus: Record<number, RuntimeErrorCode> = {
  304: "not_modified",
  400: "invalid_spec",
  401: "permission",
  403: "permission",
  404: "not_found",
  409: "conflict",
};

const byNodeCode: Record<string, RuntimeErrorCode> = {
  ECONNREFUSED: "unreachable",
  ENOENT: "unreachable",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  ECONNRESET: "unreachable",
  EPIPE: "unreachable",
  ENOTFOUND: "unreachable",
  EACCES: "permission",
  ETIMEDOUT: "timeout",
  ESOCKETTIMEDOUT: "timeout",
};

/** The message the Engine put in its body, if any. */
function engineMessage(failure: EngineFailure): string | undefined {
  const body = failure.json;
  if (body && typeof body === "object" && "message" in body && typeof body.message === "string") {
    return body.message;
  }
  if (typeof body === "string" && body.trim()) return body.trim();
  return streamedMessage(failure);
}

/**
 * On a failed *streaming* request docker-modem reads the body into its error text only — "(HTTP
 * code 404) no such container - <the Engine's message> " — and leaves `json` null.
 */
function streamedMessage(failure: EngineFailure): string | undefined {
  if (failure.statusCode === undefined || typeof failure.message !== "string") return undefined;
  const prefix = `(HTTP code ${failure.statusCode}) ${failure.reason ?? "unexpected"} - `;
  if (!failure.message.startsWith(prefix)) return undefined;
  return failure.message.slice(prefix.length).trim() || undefined;
}

/**
 * Maps anything thrown by dockerode / docker-modem / node sockets to a RuntimeError.
 * `what` names the operation and target, e.g. `stop container "web"`.
 */
export function toRuntimeError(error: unknown, what: string): RuntimeError {
  if (error instanceof RuntimeError) return error;
  const failure = (error ?? {}) as EngineFailure;
  if (failure.name === "AbortError") return new RuntimeError("aborted", `${what}: cancelled`);
  const detail = engineMessage(failure) ?? failure.reason ?? failure.message ?? String(error);
  if (failure.statusCode !== undefined) {
    const code = byStatus[failure.statusCode] ?? "engine";
    return new RuntimeError(code, `${what}: ${detail}`, failure.statusCode);
  }
  const nodeCode = failure.code && byNodeCode[failure.code];
  if (nodeCode === "unreachable") {
    return new RuntimeError(nodeCode, `${what}: Docker Engine unreachable (${failure.code}: ${detail})`);
  }
  if (nodeCode) return new RuntimeError(nodeCode, `${what}: ${detail}`);
  return new RuntimeError("engine", `${what}: ${detail}`);
}

/** Runs one Engine call and converts its failure into a RuntimeError naming the operation. */
export async function engineCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toRuntimeError(error, what);
  }
}
