/**
 * How the followers of an onboarding job learn it changed, on every console replica: the job's
 * write and a NOTIFY carrying only its id commit together, and each replica LISTENs once, on its
 * link's bus, to wake its own followers of that job.
 *
 * No notification is lost for good: it is sent only if the write commits, and a replica whose
 * LISTEN connection broke (or was not up yet) wakes all its followers once it listens again, to
 * read what they missed. So followers need no periodic re-read.
 */
import { EventEmitter } from "node:events";
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { hostLink } from "../link/store.ts";

export const jobChangeChannel = "dockfleet_onboarding_job";

/** Emitted when a replica listens (again) and every job may have changed meanwhile. */
const everyJob = Symbol("every job");

/** Per console replica (its database client): the followers waiting for a change, by job id. */
const replicas = new WeakMap<PrismaClient, EventEmitter>();

function followersOn(db: PrismaClient): EventEmitter {
  const known = replicas.get(db);
  if (known) return known;
  const followers = new EventEmitter();
  // One listener per follower of a job (a browser tab each): no leak warning for many of them.
  followers.setMaxListeners(0);
  replicas.set(db, followers);
  // Without a bus this console is alone: the jobs it runs announce their changes here directly.
  hostLink(db).remote?.listen(jobChangeChannel, {
    onNotification: (jobId) => followers.emit(jobId),
    onListening: () => followers.emit(everyJob),
  });
  return followers;
}

/** Writes the job's row and announces the change to every replica, in one transaction. */
export async function updateJob(
  db: PrismaClient,
  jobId: string,
  data: Prisma.OnboardingJobUpdateInput,
): Promise<void> {
  await db.$transaction([
    db.onboardingJob.update({ where: { id: jobId }, data }),
    db.$executeRaw`SELECT pg_notify(${jobChangeChannel}, ${jobId})`,
  ]);
  // Followers on this replica need not wait for Postgres to echo the change back.
  replicas.get(db)?.emit(jobId);
}

/** Resolves at the job's next change as this replica hears of it, or when `signal` aborts. */
export function nextJobChange(db: PrismaClient, jobId: string, signal: AbortSignal): Promise<void> {
  const followers = followersOn(db);
  return new Promise((resolve) => {
    const done = () => {
      followers.off(jobId, done);
      followers.off(everyJob, done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    followers.on(jobId, done);
    followers.on(everyJob, done);
    signal.addEventListener("abort", done, { once: true });
  });
}
