/** image.* commands (pull and push are jobs: image-transfers.ts): the runtime's image calls. */
import {
  imageHistory,
  inspectImage,
  listImages,
  pruneImages,
  removeImage,
  tagImage,
} from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

export const imageHandlers = {
  "image.list": async (ctx, input) => listImages(await ctx.docker(), input),
  // A copy as a plain object: dockerode types the document as an interface, which TypeScript will
  // not match against the result's open (loose) object type.
  "image.inspect": async (ctx, input) => ({ ...(await inspectImage(await ctx.docker(), input.image)) }),
  "image.history": async (ctx, input) => imageHistory(await ctx.docker(), input.image),
  "image.tag": async (ctx, input) => {
    await tagImage(await ctx.docker(), input.source, input.target);
    return null;
  },
  "image.remove": async (ctx, input) =>
    removeImage(await ctx.docker(), input.image, { force: input.force, noPrune: input.noPrune }),
  "image.prune": async (ctx, input) =>
    pruneImages(await ctx.docker(), { dangling: input.dangling, labels: input.labels }),
} satisfies Partial<Handlers>;
