/** The console's API: one router per domain, merged here. */
import { authRouter } from "./access/router.ts";
import { auditRouter } from "./audit/router.ts";
import { containersRouter } from "./containers/router.ts";
import { grantsRouter } from "./grants/router.ts";
import { hostsRouter } from "./hosts/router.ts";
import { onboardingRouter } from "./onboarding/router.ts";
import { systemRouter } from "./system/router.ts";
import { teamsRouter } from "./teams/router.ts";
import { tokensRouter } from "./tokens/router.ts";
import { router } from "./trpc.ts";
import { usersRouter } from "./users/router.ts";

export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  users: usersRouter,
  teams: teamsRouter,
  grants: grantsRouter,
  tokens: tokensRouter,
  hosts: hostsRouter,
  containers: containersRouter,
  onboarding: onboardingRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
