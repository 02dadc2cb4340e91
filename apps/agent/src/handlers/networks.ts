/** network.* commands: the runtime's network calls, and containers joining and leaving networks. */
import {
  connectContainer,
  createNetwork,
  disconnectContainer,
  inspectNetwork,
  listNetworks,
  pruneNetworks,
  removeNetwork,
} from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

export const networkHandlers = {
  "network.list": async (ctx, input) => listNetworks(await ctx.docker(), input),
  "network.inspect": async (ctx, input) => inspectNetwork(await ctx.docker(), input.network),
  "network.create": async (ctx, input) => createNetwork(await ctx.docker(), input),
  "network.remove": async (ctx, input) => {
    await removeNetwork(await ctx.docker(), input.network);
    return null;
  },
  "network.connect": async (ctx, { network, ...endpoint }) => {
    await connectContainer(await ctx.docker(), network, endpoint);
    return null;
  },
  "network.disconnect": async (ctx, input) => {
    await disconnectContainer(await ctx.docker(), input.network, input.container, { force: input.force });
    return null;
  },
  "network.prune": async (ctx, input) => pruneNetworks(await ctx.docker(), { labels: input.labels }),
} satisfies Partial<Handlers>;
