/** posture.* commands: the runtime's security findings for this host and its containers. */
import { containerPosture, hostPosture } from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

export const postureHandlers = {
  "posture.host": async (ctx) => hostPosture(await ctx.docker()),
  "posture.container": async (ctx, input) => containerPosture(await ctx.docker(), input.containerId),
} satisfies Partial<Handlers>;
