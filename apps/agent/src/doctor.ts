/** `dockfleet-agent doctor`: checks what the agent needs, one line per check, and says how to fix a failure. */
import { setTimeout as sleep } from "node:timers/promises";
import { linkCloseCodes } from "@dockfleet/protocol";
import { connect, describeEndpoint } from "@dockfleet/runtime";
import { TRPCClientError } from "@trpc/client";
import type { AgentConfig } from "./config.ts";
import { credentialMode, readCredential } from "./credential.ts";
import { openConnection } from "./link/session.ts";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function dockerCheck(config: AgentConfig): Promise<Check> {
  const name = `Docker Engine at ${describeEndpoint(config.docker)}`;
  try {
    const client = await connect({ endpoint: config.docker, timeoutMs: 5_000 });
    return { name, ok: true, detail: `Docker ${client.engineVersion}, API ${client.apiVersion}` };
  } catch (error) {
    const message = (error as Error).message;
    const hint = /permission|EACCES/i.test(message)
      ? " (run the agent as root or as a member of the socket's group, usually `docker`)"
      : "";
    return { name, ok: false, detail: `${message}${hint}` };
  }
}

async function consoleCheck(consoleUrl: string): Promise<Check> {
  const name = `console at ${consoleUrl}`;
  try {
    const response = await fetch(`${consoleUrl}/api/health`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json().catch(() => ({}))) as { status?: string };
    const ok = response.ok && body.status === "ok";
    return {
      name,
      ok,
      detail: ok ? "reachable, healthy" : `answered ${response.status} ${body.status ?? ""}`.trim(),
    };
  } catch (error) {
    const cause = (error as { cause?: Error }).cause?.message;
    return {
      name,
      ok: false,
      detail: `unreachable: ${cause ?? (error as Error).message} (check DOCKFLEET_CONSOLE_URL and the network)`,
    };
  }
}

async function credentialCheck(config: AgentConfig, consoleUrl: string): Promise<Check> {
  const name = `credential ${config.credentialFile}`;
  let stored: Awaited<ReturnType<typeof readCredential>>;
  try {
    stored = await readCredential(config.credentialFile);
  } catch (error) {
    return { name, ok: false, detail: (error as Error).message };
  }
  if (!stored) {
    return config.enrollToken
      ? { name, ok: true, detail: "not enrolled yet: the agent will enroll with DOCKFLEET_ENROLL_TOKEN" }
      : {
          name,
          ok: false,
          detail: 'missing, and no DOCKFLEET_ENROLL_TOKEN: get an install command from "Add host"',
        };
  }
  const mode = await credentialMode(config.credentialFile);
  if ((mode & 0o077) !== 0) {
    return {
      name,
      ok: false,
      detail: `mode ${mode.toString(8)} lets others read it: chmod 600 ${config.credentialFile}`,
    };
  }
  const connection = openConnection(consoleUrl, {
    credential: stored.credential,
    fingerprint: config.consoleFingerprint,
  });
  try {
    const answer = (await Promise.race([
      connection.client.query("check"),
      connection.closed.then((why) => {
        throw new Error(
          why.code === linkCloseCodes.credentialRefused
            ? `refused: ${why.reason}`
            : `connection closed: ${why.reason}`,
        );
      }),
    ])) as { hostName: string; hostId: string };
    return { name, ok: true, detail: `accepted for host ${answer.hostName} (${answer.hostId})` };
  } catch (error) {
    // A refused credential closes the socket with a code that says why; the call itself only failed.
    const why = await Promise.race([connection.closed, sleep(1_000)]);
    if (why?.code === linkCloseCodes.credentialRefused)
      return { name, ok: false, detail: `refused: ${why.reason}` };
    const message = error instanceof TRPCClientError ? error.message : (error as Error).message;
    return { name, ok: false, detail: message };
  } finally {
    await connection.close();
  }
}

/** With several console URLs (replicas), each must answer; the credential is checked on the first that does. */
export async function doctor(config: AgentConfig): Promise<Check[]> {
  const consoles: Check[] = [];
  for (const url of config.consoleUrls) consoles.push(await consoleCheck(url));
  const reachable = config.consoleUrls.find((_, index) => consoles[index]?.ok) ?? config.consoleUrl;
  return [await dockerCheck(config), ...consoles, await credentialCheck(config, reachable)];
}
