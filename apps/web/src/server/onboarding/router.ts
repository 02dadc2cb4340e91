/** SSH onboarding: probe for the host key, start the job, follow its steps as they happen. */
import { fleetProcedure, router } from "../trpc.ts";
import { JobRef, ProbeInput, StartOnboardingInput } from "./schema.ts";
import { followOnboardingJob, onboardingJob, probeHost, startOnboarding } from "./service.ts";

export const onboardingRouter = router({
  probe: fleetProcedure("host:onboard")
    .input(ProbeInput)
    .mutation(({ input }) => probeHost(input)),
  start: fleetProcedure("host:onboard")
    .input(StartOnboardingInput)
    .mutation(({ ctx, input }) =>
      startOnboarding(ctx.db, { actor: ctx.actor.user, ip: ctx.request.ip }, input),
    ),
  job: fleetProcedure("host:onboard")
    .input(JobRef)
    .query(({ ctx, input }) => onboardingJob(ctx.db, input.jobId)),
  follow: fleetProcedure("host:onboard")
    .input(JobRef)
    .subscription(({ ctx, input, signal }) => followOnboardingJob(ctx.db, input.jobId, signal)),
});
