/** Sign-in, sign-out, first-run setup, own password, invite acceptance. */
import { publicProcedure, router, signedInProcedure } from "../trpc.ts";
import { clearedSessionCookie, sessionCookie } from "./cookies.ts";
import { acceptInvite } from "./invites.ts";
import { login } from "./login.ts";
import { describeActor } from "./me.ts";
import { changePassword } from "./password-change.ts";
import { AcceptInviteInput, ChangePasswordInput, LoginInput, SetupInput } from "./schema.ts";
import { createSession, endSession } from "./sessions.ts";
import { completeSetup, needsSetup } from "./setup.ts";

export const authRouter = router({
  me: publicProcedure.query(({ ctx }) => (ctx.actor ? describeActor(ctx.actor) : null)),

  setupStatus: publicProcedure.query(async ({ ctx }) => ({ needsSetup: await needsSetup(ctx.db) })),

  setup: publicProcedure.input(SetupInput).mutation(async ({ ctx, input }) => {
    const user = await completeSetup(ctx.db, input);
    const session = await createSession(ctx.db, user.id, ctx.request);
    ctx.setCookie(sessionCookie(ctx.cookie, session.token, session.expiresAt));
    return user;
  }),

  login: publicProcedure.input(LoginInput).mutation(async ({ ctx, input }) => {
    // Rotation: whatever session the browser had before is ended; the new one has a new token.
    const previous = ctx.request.cookies[ctx.cookie.name];
    if (previous) await endSession(ctx.db, previous);
    const session = await login(ctx.db, input, ctx.request);
    ctx.setCookie(sessionCookie(ctx.cookie, session.token, session.expiresAt));
    return session.user;
  }),

  logout: signedInProcedure.mutation(async ({ ctx }) => {
    const token = ctx.request.cookies[ctx.cookie.name];
    if (token) await endSession(ctx.db, token);
    ctx.setCookie(clearedSessionCookie(ctx.cookie));
    return { ok: true };
  }),

  changePassword: signedInProcedure.input(ChangePasswordInput).mutation(async ({ ctx, input }) => {
    await changePassword(ctx.db, ctx.actor.user.id, input);
    const session = await createSession(ctx.db, ctx.actor.user.id, ctx.request);
    ctx.setCookie(sessionCookie(ctx.cookie, session.token, session.expiresAt));
    return { ok: true };
  }),

  acceptInvite: publicProcedure.input(AcceptInviteInput).mutation(async ({ ctx, input }) => {
    const user = await acceptInvite(ctx.db, input);
    const session = await createSession(ctx.db, user.id, ctx.request);
    ctx.setCookie(sessionCookie(ctx.cookie, session.token, session.expiresAt));
    return user;
  }),
});
