/**
 * Runs one onboarding job to its end: connect with the confirmed host key, check the host, upload
 * and start the agent, wait until it is online. A failure names its step and leaves nothing
 * installed on the host and no half-added host in the inventory.
 */
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { recordAudit } from "../audit/service.ts";
import { mintEnrollmentToken } from "../link/enrollment.ts";
import { hostLink } from "../link/store.ts";
import {
  agentLogTail,
  agentStopped,
  checkHost,
  type HostCheck,
  installAgent,
  StepError,
  startAgent,
  uninstallAgent,
} from "./installer.ts";
import { agentLayout } from "./layout.ts";
import type { StartOnboardingInput } from "./schema.ts";
import type { OnboardingSettings } from "./settings.ts";
import { openSsh, type SshSession, type SshTarget } from "./ssh.ts";
import { StepRecorder } from "./steps.ts";

export interface OnboardingJobRef {
  jobId: string;
  hostId: string;
  actor: { id: string; email: string };
  ip: string;
}

export function sshTarget(
  input: Pick<StartOnboardingInput, "address" | "port" | "username" | "auth">,
): SshTarget {
  const auth =
    input.auth.kind === "key"
      ? { privateKey: input.auth.privateKey, passphrase: input.auth.passphrase }
      : { password: input.auth.password };
  return { host: input.address, port: input.port, username: input.username, ...auth };
}

/**
 * Waits until the agent's link is up (on any replica). An agent that gave up meanwhile (a used or
 * expired token) ends the wait at once instead of at the timeout; the job shows its log.
 */
async function waitOnline(
  db: PrismaClient,
  ssh: SshSession,
  check: HostCheck,
  hostId: string,
  timeoutMs: number,
): Promise<void> {
  const done = new AbortController();
  const gaveUp = (async () => {
    while (!done.signal.aborted) {
      await sleep(agentCheckMs, undefined, { signal: done.signal });
      if (await agentStopped(ssh, check)) {
        throw new StepError(
          "the agent stopped before it connected",
          "its log below says why: a token that was used or expired needs a new attempt",
        );
      }
    }
  })();
  try {
    await Promise.race([
      hostLink(db).whenConnected(hostId, AbortSignal.any([done.signal, AbortSignal.timeout(timeoutMs)])),
      gaveUp,
    ]);
  } catch (error) {
    if (error instanceof StepError) throw error;
    throw new StepError(
      `the agent did not connect within ${Math.round(timeoutMs / 1000)} s`,
      "check that the host can reach the console URL (firewall, DNS, TLS); the agent's log is below",
    );
  } finally {
    done.abort();
    await gaveUp.catch(() => undefined);
  }
}

/** How often the online step asks the host whether its agent gave up. */
const agentCheckMs = 2_000;

export async function runOnboardingJob(
  db: PrismaClient,
  settings: OnboardingSettings,
  job: OnboardingJobRef,
  input: StartOnboardingInput,
): Promise<void> {
  const steps = new StepRecorder(db, job.jobId);
  let ssh: SshSession | undefined;
  let check: HostCheck | undefined;
  let installed = false;
  try {
    ssh = await steps.run("connect", async () => {
      const session = await openSsh(sshTarget(input), input.fingerprint);
      return { value: session, output: `host key ${session.fingerprint}` };
    });
    const session = ssh;
    check = await steps.run("check", async () => {
      const value = await checkHost(session);
      const output = `Docker ${value.dockerVersion}, ${value.arch}, ${value.init === "systemd" ? "systemd" : "no systemd: supervised process"}${value.sudo ? ", via sudo" : ""}`;
      return { value, output };
    });
    const hostCheck = check;
    await steps.run("upload", async () => {
      if (!existsSync(settings.agentBundle)) {
        throw new StepError(
          "this console has no agent bundle to upload",
          "run `npm run build` on the console",
        );
      }
      const { token } = await mintEnrollmentToken(db, job.hostId);
      installed = true;
      await installAgent(session, hostCheck, {
        nodeBinary: settings.nodeBinary,
        agentBundle: settings.agentBundle,
        consoleUrl: input.consoleUrl ?? settings.consoleUrl,
        enrollToken: token,
      });
      return { value: undefined, output: `${agentLayout.dir}, ${agentLayout.env} (0600)` };
    });
    await steps.run("start", async () => {
      await startAgent(session, hostCheck);
      return {
        value: undefined,
        output: hostCheck.init === "systemd" ? "systemd unit dockfleet-agent" : agentLayout.supervisor,
      };
    });
    await steps.run("online", async () => {
      try {
        await waitOnline(db, session, hostCheck, job.hostId, settings.onlineTimeoutMs);
      } catch (error) {
        if (error instanceof StepError)
          throw new StepError(error.message, error.hint, await agentLogTail(session, hostCheck));
        throw error;
      }
      return { value: undefined, output: "the agent is online" };
    });
    await steps.succeed();
  } catch (error) {
    // The job reads "failed" only once nothing of it is left on the host or in the inventory.
    await undo(db, job, ssh, installed ? check : undefined, error);
    await steps.fail();
  } finally {
    ssh?.close();
  }
}

/** Takes back what a failed job did: the agent on the host, the host in the inventory. */
async function undo(
  db: PrismaClient,
  job: OnboardingJobRef,
  ssh: SshSession | undefined,
  check: HostCheck | undefined,
  error: unknown,
): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`[onboarding] job ${job.jobId} host ${job.hostId} failed: ${message}`);
  if (ssh && check) await uninstallAgent(ssh, check).catch(() => undefined);
  await db.host.deleteMany({ where: { id: job.hostId } });
  if (message.startsWith("host_key_changed")) {
    await recordAudit(db, {
      actor: { type: "user", id: job.actor.id, name: job.actor.email },
      action: "onboarding.hostKey",
      target: { type: "job", id: job.jobId },
      result: "denied",
      detail: { message },
      ip: job.ip,
    });
  }
}
