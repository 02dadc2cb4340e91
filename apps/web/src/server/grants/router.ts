/** Grants: who holds which role where. */
import { fleetProcedure, router } from "../trpc.ts";
import { CreateGrantInput, GrantRef } from "./schema.ts";
import { createGrant, listGrants, revokeGrant } from "./service.ts";

export const grantsRouter = router({
  list: fleetProcedure("user:view").query(({ ctx }) => listGrants(ctx.db)),
  create: fleetProcedure("user:manage")
    .input(CreateGrantInput)
    .mutation(({ ctx, input }) => createGrant(ctx.db, input)),
  revoke: fleetProcedure("user:manage")
    .input(GrantRef)
    .mutation(({ ctx, input }) => revokeGrant(ctx.db, input.grantId)),
});
