/** Hosts and host groups. Listing shows only the hosts the caller may view. */
import { TRPCError } from "@trpc/server";
import { isAllowedAnywhere } from "../access/policy.ts";
import { removeHost } from "../onboarding/removal.ts";
import { fleetProcedure, hostProcedure, router, signedInProcedure } from "../trpc.ts";
import {
  AssignHostGroupInput,
  CreateHostInput,
  EnrollmentTokenInput,
  HostGroupInput,
  HostRef,
} from "./schema.ts";
import {
  assignHostGroup,
  createHost,
  createHostGroup,
  getHost,
  issueEnrollmentToken,
  listHostGroups,
  listHosts,
  revokeHost,
} from "./service.ts";

export const hostsRouter = router({
  // Signed-in rather than host:view: the list is filtered per host by the caller's grants.
  list: signedInProcedure.query(({ ctx }) => listHosts(ctx.db, ctx.actor.grants)),
  get: hostProcedure("host:view").query(({ ctx }) => getHost(ctx.db, ctx.host.id)),
  create: fleetProcedure("host:onboard")
    .input(CreateHostInput)
    .mutation(({ ctx, input }) => createHost(ctx.db, input)),
  enrollmentToken: fleetProcedure("host:onboard")
    .input(EnrollmentTokenInput)
    .mutation(({ ctx, input }) => issueEnrollmentToken(ctx.db, input)),
  revoke: fleetProcedure("host:manage")
    .input(HostRef)
    .mutation(({ ctx, input }) => revokeHost(ctx.db, input.hostId)),
  remove: fleetProcedure("host:manage")
    .input(HostRef)
    .mutation(({ ctx, input }) => removeHost(ctx.db, input.hostId)),
  assignGroup: fleetProcedure("host:manage")
    .input(AssignHostGroupInput)
    .mutation(({ ctx, input }) => assignHostGroup(ctx.db, input)),
  groups: signedInProcedure.query(({ ctx }) => {
    if (!isAllowedAnywhere(ctx.actor.grants, "host:view")) {
      throw new TRPCError({ code: "FORBIDDEN", message: "you lack host:view" });
    }
    return listHostGroups(ctx.db);
  }),
  createGroup: fleetProcedure("host:manage")
    .input(HostGroupInput)
    .mutation(({ ctx, input }) => createHostGroup(ctx.db, input.name)),
});
