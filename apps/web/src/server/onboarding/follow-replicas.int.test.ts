/**
 * A job run on one console replica, followed on another: every state the job writes on A reaches
 * the follower on B through Postgres's notifications (there is no periodic re-read to fall back on).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostLink } from "../link/store.ts";
import type { ApiClient } from "../testing/api-client.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { until } from "../testing/until.ts";
import { StepError } from "./installer.ts";
import { initialSteps, StepRecorder, type StepState } from "./steps.ts";

let a: TestConsole;
let b: TestConsole;
let onB: ApiClient;

beforeAll(async () => {
  a = await startTestConsole();
  b = await startTestConsole({ databaseUrl: a.databaseUrl });
  await Promise.all([hostLink(a.db).ready(), hostLink(b.db).ready()]);
  const admin = await a.admin();
  onB = b.client();
  onB.cookie = admin.cookie;
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

interface Job {
  status: string;
  steps: StepState[];
}

const state = (job: Job) => JSON.stringify([job.status, job.steps]);

describe("onboarding jobs across replicas", () => {
  it("a follower on B sees each state of a job run on A as A writes it", async () => {
    const host = await a.db.host.create({ data: { name: "dftest-follow-replicas" } });
    const job = await a.db.onboardingJob.create({
      data: { hostId: host.id, hostName: host.name, status: "running", steps: initialSteps() as object[] },
    });
    const seenOnB: string[] = [];
    const following = (async () => {
      for await (const shown of onB.subscribe<Job>("onboarding.follow", { jobId: job.id })) {
        seenOnB.push(state(shown));
      }
    })();

    // A writes each state only once B showed the one before: B can only learn of it by notification.
    const writtenOnA: string[] = [];
    const written = async () => {
      const row = await a.db.onboardingJob.findUniqueOrThrow({ where: { id: job.id } });
      writtenOnA.push(state(row as unknown as Job));
      await until(() => seenOnB.length === writtenOnA.length);
    };
    await written();
    const steps = new StepRecorder(a.db, job.id);
    await steps.run("connect", async () => {
      await written();
      return { value: undefined, output: "host key SHA256:dftest" };
    });
    await written();
    await expect(
      steps.run("check", async () => {
        await written();
        throw new StepError("no Docker here", "install Docker first");
      }),
    ).rejects.toThrow("no Docker here");
    await written();
    await steps.fail();
    await written();
    await following;

    expect(seenOnB).toEqual(writtenOnA);
    expect(writtenOnA).toHaveLength(6);
    const last = JSON.parse(writtenOnA.at(-1) ?? "[]") as [string, StepState[]];
    expect(last[0]).toBe("failed");
    expect(last[1].map((step) => step.status)).toEqual(["ok", "failed", "pending", "pending", "pending"]);
  });
});
