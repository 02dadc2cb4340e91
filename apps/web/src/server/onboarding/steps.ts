/**
 * The steps of onboarding as the UI shows them, how a job records each one in the database, and
 * the signal its followers wait for after each record.
 */
import { EventEmitter } from "node:events";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { StepError } from "./installer.ts";

export const onboardingSteps = [
  { step: "connect", label: "Connect over SSH and check the host key" },
  { step: "check", label: "Check Docker, CPU architecture and init system" },
  { step: "upload", label: "Upload the agent over SFTP" },
  { step: "start", label: "Install and start the agent service" },
  { step: "online", label: "Wait for the agent to connect" },
] as const;

export type StepName = (typeof onboardingSteps)[number]["step"];

export interface StepState {
  step: StepName;
  label: string;
  status: "pending" | "running" | "ok" | "failed";
  message?: string;
  hint?: string;
  output?: string;
  startedAt?: string;
  finishedAt?: string;
}

export function initialSteps(): StepState[] {
  return onboardingSteps.map(({ step, label }) => ({ step, label, status: "pending" }));
}

const changes = new EventEmitter();
// One listener per follower of a job (a browser tab each): no leak warning for many of them.
changes.setMaxListeners(0);

/**
 * Resolves at the next change of the job run in this process, after `fallbackMs` (a job another
 * console replica runs changes only in the database), or when `signal` aborts.
 */
export function nextJobChange(jobId: string, fallbackMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      changes.off(jobId, done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, fallbackMs);
    changes.on(jobId, done);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Keeps a job's steps in memory and writes them to its row after every change. */
export class StepRecorder {
  private readonly steps = initialSteps();

  constructor(
    private readonly db: PrismaClient,
    private readonly jobId: string,
  ) {}

  private async save(status?: "succeeded" | "failed"): Promise<void> {
    await this.db.onboardingJob.update({
      where: { id: this.jobId },
      data: { steps: this.steps as object[], ...(status ? { status, finishedAt: new Date() } : {}) },
    });
    changes.emit(this.jobId);
  }

  private patch(step: StepName, change: Partial<StepState>): void {
    const state = this.steps.find((s) => s.step === step);
    if (state) Object.assign(state, change);
  }

  /**
   * Runs one step: running → ok (with its output) or failed (with message, hint, output). A failed
   * step does not end the job: the caller undoes what was done first, then calls `fail()`.
   */
  async run<T>(step: StepName, work: () => Promise<{ value: T; output?: string }>): Promise<T> {
    this.patch(step, { status: "running", startedAt: new Date().toISOString() });
    await this.save();
    try {
      const { value, output } = await work();
      this.patch(step, { status: "ok", output, finishedAt: new Date().toISOString() });
      await this.save();
      return value;
    } catch (error) {
      this.patch(step, {
        status: "failed",
        message: error instanceof Error ? error.message : String(error),
        hint: error instanceof StepError ? error.hint : undefined,
        output: error instanceof StepError ? error.output : undefined,
        finishedAt: new Date().toISOString(),
      });
      await this.save();
      throw error;
    }
  }

  succeed(): Promise<void> {
    return this.save("succeeded");
  }

  fail(): Promise<void> {
    return this.save("failed");
  }
}
