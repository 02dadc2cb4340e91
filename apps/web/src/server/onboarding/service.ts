/** "Add host" over SSH: probe a host for its key, start a job that onboards it, follow the job. */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";
import { seal } from "../secrets/sealed.ts";
import { runOnboardingJob, sshTarget } from "./job.ts";
import { nextJobChange } from "./job-changes.ts";
import type { StartOnboardingInput } from "./schema.ts";
import { onboardingSettings } from "./settings.ts";
import { openSsh } from "./ssh.ts";
import { initialSteps, type StepState } from "./steps.ts";

export const sshAuthPurpose = "host-ssh-auth";

/** Connects once to read the host key, so the user can compare it before anything is installed. */
export async function probeHost(input: Parameters<typeof sshTarget>[0]): Promise<{ fingerprint: string }> {
  const session = await openSsh(sshTarget(input));
  session.close();
  return { fingerprint: session.fingerprint };
}

export async function startOnboarding(
  db: PrismaClient,
  caller: { actor: { id: string; email: string }; ip: string },
  input: StartOnboardingInput,
): Promise<{ jobId: string; hostId: string }> {
  const settings = onboardingSettings(db);
  if (await db.host.findUnique({ where: { name: input.name } })) {
    throw new DomainError("conflict", `a host named "${input.name}" exists already`);
  }
  if (input.hostGroupId && !(await db.hostGroup.findUnique({ where: { id: input.hostGroupId } }))) {
    throw new DomainError("not_found", "no such host group");
  }
  const { host, job } = await db.$transaction(async (tx) => {
    const host = await tx.host.create({ data: { name: input.name, hostGroupId: input.hostGroupId } });
    await tx.hostSsh.create({
      data: {
        hostId: host.id,
        address: input.address,
        port: input.port,
        username: input.username,
        fingerprint: input.fingerprint,
        sealedAuth: seal(settings.masterKey, JSON.stringify(input.auth), sshAuthPurpose),
      },
    });
    const job = await tx.onboardingJob.create({
      data: {
        hostId: host.id,
        hostName: input.name,
        createdById: caller.actor.id,
        status: "running",
        steps: initialSteps() as object[],
      },
    });
    return { host, job };
  });
  const ref = { jobId: job.id, hostId: host.id, actor: caller.actor, ip: caller.ip };
  // The job outlives this request; the browser follows it with onboarding.follow.
  void runOnboardingJob(db, settings, ref, input).catch((error: unknown) =>
    console.error(`[onboarding] job ${job.id} crashed:`, error),
  );
  return { jobId: job.id, hostId: host.id };
}

export async function onboardingJob(db: PrismaClient, jobId: string) {
  const job = await db.onboardingJob.findUnique({ where: { id: jobId } });
  if (!job) throw new DomainError("not_found", "no such onboarding job");
  return { ...job, steps: job.steps as unknown as StepState[] };
}

/**
 * The job now, then again after each change (on whichever replica runs it), until it has ended
 * (succeeded or failed) or the follower leaves. An unknown job is refused before the stream opens, as a typed error.
 */
export async function followOnboardingJob(db: PrismaClient, jobId: string, signal?: AbortSignal) {
  await onboardingJob(db, jobId);
  return jobStates(db, jobId, signal);
}

async function* jobStates(db: PrismaClient, jobId: string, signal?: AbortSignal) {
  const left = signal ?? new AbortController().signal;
  let last: string | undefined;
  while (!left.aborted) {
    // Listening before reading: a change made while the row is read still wakes the next wait.
    const waiting = new AbortController();
    const changed = nextJobChange(db, jobId, AbortSignal.any([left, waiting.signal]));
    try {
      const job = await onboardingJob(db, jobId);
      const seen = JSON.stringify([job.status, job.steps]);
      if (seen !== last) {
        last = seen;
        yield job;
      }
      if (job.status !== "running") return;
      await changed;
    } finally {
      waiting.abort();
    }
  }
}
