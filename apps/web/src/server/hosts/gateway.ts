/**
 * The one way domain code reaches a host: `callHost` runs a protocol command through the host's
 * agent and turns link failures into domain errors a person can act on.
 */
import {
  type CommandInput,
  type CommandResult,
  isLinkError,
  type LinkError,
  type UnaryCommandName,
} from "@dockfleet/protocol";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { DomainError, type DomainErrorCode } from "../errors.ts";
import type { CallOptions } from "../link/registry.ts";
import { hostLink } from "../link/store.ts";

export interface HostTarget {
  id: string;
  name: string;
  lastSeenAt?: Date | null;
}

const dockerCodes: Partial<Record<NonNullable<LinkError["dockerCode"]>, DomainErrorCode>> = {
  not_found: "not_found",
  conflict: "conflict",
  invalid_spec: "invalid",
};

/** A link failure as the API reports it: offline and timeouts are "unavailable", Docker's refusals keep their kind. */
export function linkFailure(error: LinkError, host: HostTarget): DomainError {
  switch (error.code) {
    case "offline": {
      const seen = host.lastSeenAt ? `; last seen ${host.lastSeenAt.toISOString()}` : "";
      return new DomainError(
        "unavailable",
        `host ${host.name} is offline (its agent is not connected${seen})`,
      );
    }
    case "timeout":
      return new DomainError("unavailable", `host ${host.name} did not answer in time: ${error.message}`);
    case "docker":
      return new DomainError(
        dockerCodes[error.dockerCode ?? "engine"] ?? "unavailable",
        `Docker on ${host.name}: ${error.message}`,
      );
    case "invalid":
      return new DomainError("invalid", error.message);
    case "denied":
      return new DomainError("forbidden", `the agent on ${host.name} refused: ${error.message}`);
    default:
      return new DomainError("unavailable", `host ${host.name}: ${error.message}`);
  }
}

export async function callHost<N extends UnaryCommandName>(
  db: PrismaClient,
  host: HostTarget,
  name: N,
  input: CommandInput<N>,
  options?: CallOptions<N>,
): Promise<CommandResult<N>> {
  try {
    return await hostLink(db).call(host.id, name, input, options);
  } catch (error) {
    if (isLinkError(error)) throw linkFailure(error, host);
    throw error;
  }
}

/** A live stream through the host's agent (e.g. resumed by link/resume.ts); link failures become domain errors. */
export async function* followThroughHost<T>(host: HostTarget, items: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (error) {
    if (isLinkError(error)) throw linkFailure(error, host);
    throw error;
  }
}
