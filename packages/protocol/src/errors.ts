/** Typed errors of the link: every command ends with a result or one of these codes. */
import { RuntimeError, runtimeErrorCodes } from "@dockfleet/runtime";
import { z } from "zod";

export const linkErrorCodes = [
  /** The host's agent is not connected (or the connection dropped while the command ran). */
  "offline",
  /** The command outlived its deadline; it was cancelled on both ends. */
  "timeout",
  /** The caller gave up (stream closed, request aborted) before an answer came. */
  "cancelled",
  /** The agent refused the command (not allowed on this host). */
  "denied",
  /** The input or the answer does not match the command's schema. */
  "invalid",
  /** The agent does not know this command (older agent). */
  "unsupported",
  /** The Docker Engine refused or failed: `dockerCode` says how (runtime error code). */
  "docker",
  /** A bug or an unexpected failure on either end. */
  "internal",
] as const;
export type LinkErrorCode = (typeof linkErrorCodes)[number];
export type DockerErrorCode = (typeof runtimeErrorCodes)[number];

export const LinkErrorSchema = z.object({
  code: z.enum(linkErrorCodes),
  message: z.string(),
  dockerCode: z.enum(runtimeErrorCodes).optional(),
});
export type LinkErrorData = z.infer<typeof LinkErrorSchema>;

/** A failed command as domain code sees it: a stable code and a message a person can read. */
export class LinkError extends Error {
  override readonly name = "LinkError";
  constructor(
    readonly code: LinkErrorCode,
    message: string,
    readonly dockerCode?: DockerErrorCode,
  ) {
    super(message);
  }

  toJSON(): LinkErrorData {
    return this.dockerCode
      ? { code: this.code, message: this.message, dockerCode: this.dockerCode }
      : { code: this.code, message: this.message };
  }

  static from(data: LinkErrorData): LinkError {
    return new LinkError(data.code, data.message, data.dockerCode);
  }
}

export function isLinkError(error: unknown, code?: LinkErrorCode): error is LinkError {
  return error instanceof LinkError && (code === undefined || error.code === code);
}

/** Anything thrown while running a command, as the error that travels back to the console. */
export function toLinkError(error: unknown): LinkError {
  if (error instanceof LinkError) return error;
  if (error instanceof RuntimeError) return new LinkError("docker", error.message, error.code);
  const message = error instanceof Error ? error.message : String(error);
  return new LinkError("internal", message);
}
