/**
 * The steps of onboarding as the UI shows them, and how a job records each one in the database
 * (announced to its followers: job-changes.ts).
 */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { StepError } from "./installer.ts";
import { updateJob } from "./job-changes.ts";

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

/** Keeps a job's steps in memory and writes them to its row after every change. */
export class StepRecorder {
  private readonly steps = initialSteps();

  constructor(
    private readonly db: PrismaClient,
    private readonly jobId: string,
  ) {}

  private async save(status?: "succeeded" | "failed"): Promise<void> {
    await updateJob(this.db, this.jobId, {
      steps: this.steps as object[],
      ...(status ? { status, finishedAt: new Date() } : {}),
    });
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
