/** Users: who may sign in. */
import { fleetProcedure, router } from "../trpc.ts";
import { InviteUserInput, UserRef } from "./schema.ts";
import { inviteUser, listUsers, reissueInvite, setUserDisabled } from "./service.ts";

export const usersRouter = router({
  list: fleetProcedure("user:view").query(({ ctx }) => listUsers(ctx.db)),
  invite: fleetProcedure("user:manage")
    .input(InviteUserInput)
    .mutation(({ ctx, input }) => inviteUser(ctx.db, ctx.publicUrl, input)),
  reissueInvite: fleetProcedure("user:manage")
    .input(UserRef)
    .mutation(({ ctx, input }) => reissueInvite(ctx.db, ctx.publicUrl, input.userId)),
  disable: fleetProcedure("user:manage")
    .input(UserRef)
    .mutation(({ ctx, input }) => setUserDisabled(ctx.db, ctx.actor.user.id, input.userId, true)),
  enable: fleetProcedure("user:manage")
    .input(UserRef)
    .mutation(({ ctx, input }) => setUserDisabled(ctx.db, ctx.actor.user.id, input.userId, false)),
});
