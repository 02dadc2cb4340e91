/** Teams: groups of users to grant roles to. */
import { fleetProcedure, router } from "../trpc.ts";
import { CreateTeamInput, TeamMemberInput, TeamRef } from "./schema.ts";
import { addTeamMember, createTeam, listTeams, removeTeam, removeTeamMember } from "./service.ts";

export const teamsRouter = router({
  list: fleetProcedure("user:view").query(({ ctx }) => listTeams(ctx.db)),
  create: fleetProcedure("user:manage")
    .input(CreateTeamInput)
    .mutation(({ ctx, input }) => createTeam(ctx.db, input.name)),
  remove: fleetProcedure("user:manage")
    .input(TeamRef)
    .mutation(({ ctx, input }) => removeTeam(ctx.db, input.teamId)),
  addMember: fleetProcedure("user:manage")
    .input(TeamMemberInput)
    .mutation(({ ctx, input }) => addTeamMember(ctx.db, input)),
  removeMember: fleetProcedure("user:manage")
    .input(TeamMemberInput)
    .mutation(({ ctx, input }) => removeTeamMember(ctx.db, input)),
});
