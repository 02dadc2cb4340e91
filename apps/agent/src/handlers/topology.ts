/** topology.read: the runtime's graph of this host, live edges from the host's /proc. */
import { readTopology } from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

export const topologyHandlers = {
  "topology.read": async (ctx, input) => readTopology(await ctx.docker(), { live: input.live }),
} satisfies Partial<Handlers>;
