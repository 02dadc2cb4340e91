/** Personal API tokens of the signed-in user. Only a browser session may mint tokens. */
import { TRPCError } from "@trpc/server";
import { createApiToken, listApiTokens, revokeApiToken } from "../access/api-tokens.ts";
import { router, signedInProcedure } from "../trpc.ts";
import { CreateTokenInput, TokenRef } from "./schema.ts";

export const tokensRouter = router({
  list: signedInProcedure.query(({ ctx }) => listApiTokens(ctx.db, ctx.actor.user.id)),
  create: signedInProcedure.input(CreateTokenInput).mutation(({ ctx, input }) => {
    // A leaked token must not be able to mint more tokens.
    if (ctx.actor.kind !== "user")
      throw new TRPCError({ code: "FORBIDDEN", message: "tokens cannot create tokens" });
    return createApiToken(ctx.db, { userId: ctx.actor.user.id, grants: ctx.actor.grants }, input);
  }),
  revoke: signedInProcedure
    .input(TokenRef)
    .mutation(({ ctx, input }) => revokeApiToken(ctx.db, ctx.actor.user.id, input.tokenId)),
});
