/**
 * The agent's side of the console API (tRPC over one WebSocket at {@link agentLinkPath}): the
 * procedures an agent calls and the shapes of their inputs and outputs. The console implements
 * them; the agent calls them by name.
 */
import { HostFactsSchema } from "@dockfleet/runtime";
import { z } from "zod";

/** Where agents connect: `ws(s)://<console>/api/agent`. */
export const agentLinkPath = "/api/agent";

/** Prefixes make leaked secrets recognisable: enrollment tokens and agent credentials. */
export const enrollmentTokenPrefix = "dfe_";
export const agentCredentialPrefix = "dfa_";

/**
 * Close codes the console uses when it ends an agent's connection on purpose. An agent must not
 * reconnect after `credentialRefused` (revoked or unknown credential): it needs a new enrollment.
 */
export const linkCloseCodes = {
  credentialRefused: 4401,
  incompatible: 4426,
  /** Another connection of the same host replaced this one. */
  replaced: 4409,
  consoleShutdown: 4503,
  /** A connection without a credential that did not enroll in time. */
  enrollTimeout: 4408,
} as const;

/** tRPC connectionParams (strings only): the credential, absent while enrolling. */
export const ConnectionParamsSchema = z.object({ credential: z.string().optional() });
export type ConnectionParams = z.infer<typeof ConnectionParamsSchema>;

export const agentProcedures = {
  /** Exchange a single-use enrollment token for the host's long-lived credential (shown only this once). */
  enroll: {
    input: z.object({
      token: z.string().min(1).max(200),
      protocolVersion: z.number().int(),
      agentVersion: z.string().max(100),
      /** The machine's hostname, for the console's log; the host keeps its inventory name. */
      hostname: z.string().max(255),
    }),
    output: z.object({ hostId: z.string(), hostName: z.string(), credential: z.string() }),
  },
  /** The first call of every authenticated connection: who we are and what the host looks like. */
  hello: {
    input: z.object({
      protocolVersion: z.number().int(),
      agentVersion: z.string().max(100),
      /** Null when the Engine could not be read; `factsError` says why. */
      facts: HostFactsSchema.nullable(),
      factsError: z.string().optional(),
      /**
       * Ids of commands from earlier connections the agent still runs or holds a result for (on
       * disk): their results come on this connection. The console gives up on the others.
       */
      pending: z.array(z.string().min(1).max(64)).max(10_000).optional(),
    }),
    output: z.object({
      hostId: z.string(),
      hostName: z.string(),
      /** The console's clock (ms since the epoch), to read command deadlines in the agent's clock. */
      consoleTime: z.number(),
    }),
  },
  /** Checks the credential without touching the host's status (`doctor`). */
  check: {
    input: z.void(),
    output: z.object({ hostId: z.string(), hostName: z.string() }),
  },
} as const;

export type EnrollInput = z.infer<typeof agentProcedures.enroll.input>;
export type EnrollOutput = z.infer<typeof agentProcedures.enroll.output>;
export type HelloInput = z.infer<typeof agentProcedures.hello.input>;
export type HelloOutput = z.infer<typeof agentProcedures.hello.output>;
