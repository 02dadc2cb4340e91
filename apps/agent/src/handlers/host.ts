/** host.* commands: facts about this host's Engine. */
import { hostFacts } from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

export const hostHandlers = {
  "host.facts": async (ctx, input) => hostFacts(await ctx.docker(), { diskUsage: input.diskUsage }),
} satisfies Partial<Handlers>;
