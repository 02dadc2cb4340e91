/** Enrollment: trade the single-use token for this host's credential, over a short-lived connection. */
import { hostname } from "node:os";
import { agentProcedures, type EnrollOutput } from "@dockfleet/protocol";
import { TRPCClientError } from "@trpc/client";
import { agentVersion, protocolVersion } from "../version.ts";
import { openConnection } from "./session.ts";
import type { SocketOptions } from "./socket.ts";

/** The console said no (unknown, used or expired token): retrying cannot help. */
export class EnrollmentRefused extends Error {
  override readonly name = "EnrollmentRefused";
}

export async function enroll(
  consoleUrl: string,
  token: string,
  options: SocketOptions = {},
): Promise<EnrollOutput> {
  const connection = openConnection(consoleUrl, options);
  try {
    const answer = await Promise.race([
      connection.client.mutation("enroll", {
        token,
        protocolVersion,
        agentVersion,
        hostname: hostname(),
      }),
      connection.closed.then((why) => {
        throw new Error(`cannot reach the console at ${consoleUrl}: ${why.reason} (${why.code})`);
      }),
    ]);
    return agentProcedures.enroll.output.parse(answer);
  } catch (error) {
    if (error instanceof TRPCClientError && error.data?.code === "UNAUTHORIZED") {
      throw new EnrollmentRefused(error.message);
    }
    throw error;
  } finally {
    await connection.close();
  }
}
