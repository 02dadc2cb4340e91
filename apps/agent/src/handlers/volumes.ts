/** volume.* commands (backup and restore are jobs: volume-archives.ts): the runtime's volume calls. */
import { createVolume, inspectVolume, listVolumes, pruneVolumes, removeVolume } from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

export const volumeHandlers = {
  "volume.list": async (ctx, { withSizes, ...filter }) =>
    listVolumes(await ctx.docker(), { filter, withSizes }),
  "volume.inspect": async (ctx, input) =>
    inspectVolume(await ctx.docker(), input.name, { withSize: input.withSize }),
  "volume.create": async (ctx, input) => createVolume(await ctx.docker(), input),
  "volume.remove": async (ctx, input) => {
    await removeVolume(await ctx.docker(), input.name, { force: input.force });
    return null;
  },
  "volume.prune": async (ctx, input) =>
    pruneVolumes(await ctx.docker(), { labels: input.labels, all: input.all }),
} satisfies Partial<Handlers>;
