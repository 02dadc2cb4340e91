/**
 * The agent's life: get a credential (enrolling once if needed), then stay connected to the
 * console, reconnecting with full-jitter exponential backoff (cap 60 s) and saying hello each time.
 * With several console URLs (replicas of one console) it stays with the one that answered, and
 * each failed attempt moves on to the next.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type HelloInput, linkCloseCodes } from "@dockfleet/protocol";
import { hostFacts } from "@dockfleet/runtime";
import type { AgentConfig } from "../config.ts";
import { readCredential, type StoredCredential, writeCredential } from "../credential.ts";
import { engineContext, type HandlerContext, type Handlers, handlers } from "../handlers/index.ts";
import { Spool } from "../spool/spool.ts";
import { agentVersion, protocolVersion } from "../version.ts";
import { fullJitterDelay } from "./backoff.ts";
import { EnrollmentRefused, enroll } from "./enroll.ts";
import { Executor } from "./executor.ts";
import { runSession } from "./session.ts";

/** Stops the agent for good with a message saying what to do; main exits with {@link exitCodes.config}. */
export class FatalError extends Error {
  override readonly name = "FatalError";
}

export const exitCodes = {
  /** Settings, credential or enrollment refused: restarting cannot help (systemd: RestartPreventExitStatus). */
  config: 78,
} as const;

export interface AgentOptions {
  log(message: string): void;
  signal: AbortSignal;
  handlers?: Handlers;
  context?: HandlerContext;
}

async function obtainCredential(config: AgentConfig, options: AgentOptions): Promise<StoredCredential> {
  const stored = await readCredential(config.credentialFile);
  if (stored) {
    if (config.enrollToken) {
      options.log(
        `already enrolled as host ${stored.hostName}; DOCKFLEET_ENROLL_TOKEN is ignored (delete ${config.credentialFile} to enroll again)`,
      );
    }
    return stored;
  }
  const token = config.enrollToken;
  if (!token) {
    throw new FatalError(
      `no credential at ${config.credentialFile} and no DOCKFLEET_ENROLL_TOKEN: get an install command from "Add host" in the console`,
    );
  }
  for (let attempt = 0; ; attempt += 1) {
    const consoleUrl = config.consoleUrls[attempt % config.consoleUrls.length] ?? config.consoleUrl;
    try {
      const enrolled = await enroll(consoleUrl, token, { fingerprint: config.consoleFingerprint });
      const credential: StoredCredential = {
        version: 1,
        consoleUrl,
        hostId: enrolled.hostId,
        hostName: enrolled.hostName,
        credential: enrolled.credential,
        enrolledAt: new Date().toISOString(),
      };
      await writeCredential(config.credentialFile, credential);
      options.log(
        `enrolled as host ${enrolled.hostName} (${enrolled.hostId}); credential saved to ${config.credentialFile}`,
      );
      return credential;
    } catch (error) {
      if (error instanceof EnrollmentRefused) throw new FatalError(`enrollment refused: ${error.message}`);
      if (options.signal.aborted) throw error;
      const delay = fullJitterDelay(attempt);
      options.log(
        `enrollment failed: ${(error as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s`,
      );
      await sleep(delay, undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal.aborted) throw new FatalError("stopped before enrollment finished");
    }
  }
}

async function helloFor(context: HandlerContext): Promise<HelloInput> {
  const base = { protocolVersion, agentVersion };
  try {
    const facts = await Promise.race([
      context.docker().then((client) => hostFacts(client)),
      sleep(15_000, undefined, { ref: false }).then(() => {
        throw new Error("the Docker Engine did not answer within 15 s");
      }),
    ]);
    return { ...base, facts };
  } catch (error) {
    return { ...base, facts: null, factsError: (error as Error).message };
  }
}

/** Runs until the signal aborts (resolves) or the console refuses us for good (rejects FatalError). */
export async function runAgent(config: AgentConfig, options: AgentOptions): Promise<void> {
  const credential = await obtainCredential(config, options);
  const context = options.context ?? engineContext(config.docker, config.backupDir);
  // One executor for all connections: a command outlives a dropped connection, its result waits
  // in the spool for the next one.
  const executor = new Executor({
    handlers: options.handlers ?? handlers,
    context,
    log: options.log,
    spool: new Spool(config.spoolDir, { log: options.log }),
  });
  try {
    await stayConnected(config, options, credential, executor);
  } finally {
    executor.stop();
  }
}

async function stayConnected(
  config: AgentConfig,
  options: AgentOptions,
  credential: StoredCredential,
  executor: Executor,
): Promise<void> {
  let attempt = 0;
  let current = 0;
  while (!options.signal.aborted) {
    const consoleUrl = config.consoleUrls[current] ?? config.consoleUrl;
    const outcome = await runSession({
      consoleUrl,
      credential: credential.credential,
      fingerprint: config.consoleFingerprint,
      executor,
      hello: async () => ({ ...(await helloFor(executor.context)), pending: await executor.pending() }),
      log: options.log,
      signal: options.signal,
      onHello: (hello) =>
        options.log(`connected to ${consoleUrl} as host ${hello.hostName} (${hello.hostId})`),
    });
    if (options.signal.aborted) return;
    if (outcome.code === linkCloseCodes.credentialRefused) {
      throw new FatalError(`the console refused this host's credential: ${outcome.reason}`);
    }
    if (outcome.code === linkCloseCodes.incompatible) {
      throw new FatalError(`the console refused this agent: ${outcome.reason}`);
    }
    if (outcome.greeted) attempt = 0;
    // A console that never said hello back: try the next one (a replica that is up, maybe).
    else current = (current + 1) % config.consoleUrls.length;
    const delay = fullJitterDelay(attempt);
    attempt += 1;
    const next = config.consoleUrls[current] ?? config.consoleUrl;
    const where = config.consoleUrls.length > 1 ? ` to ${next}` : "";
    options.log(
      `disconnected (${outcome.code}: ${outcome.reason}); reconnecting in ${(delay / 1000).toFixed(1)} s${where}`,
    );
    await sleep(delay, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
