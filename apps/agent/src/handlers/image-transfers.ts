/** image.pull, image.push: the Engine's per-layer events folded into one picture of the transfer. */
import type { ImageTransferProgress } from "@dockfleet/protocol";
import { type ImageProgress, pullImage, pushImage } from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

type LayerState = ImageTransferProgress["layers"][number];

/** Reports the whole transfer after every event (the reporter sends only the latest); answers the digest. */
export async function followTransfer(
  image: string,
  events: AsyncIterable<ImageProgress>,
  report: (progress: ImageTransferProgress) => void,
) {
  const layers = new Map<string, LayerState>();
  let status: string | null = null;
  let digest: string | null = null;
  for await (const event of events) {
    if (event.kind === "digest") digest = event.digest;
    else if (event.kind === "status") status = event.status;
    else {
      // "Pull complete" carries no byte counts: keep the last ones seen.
      const before = layers.get(event.layer);
      layers.set(event.layer, {
        layer: event.layer,
        status: event.status,
        current: event.current ?? before?.current ?? null,
        total: event.total ?? before?.total ?? null,
      });
    }
    report({ layers: [...layers.values()], status });
  }
  return { image, digest };
}

export const imageTransferHandlers = {
  "image.pull": async (ctx, input, signal, progress) =>
    followTransfer(
      input.image,
      pullImage(await ctx.docker(), input.image, { auth: input.auth, signal }),
      progress,
    ),
  "image.push": async (ctx, input, signal, progress) =>
    followTransfer(
      input.image,
      pushImage(await ctx.docker(), input.image, { auth: input.auth, signal }),
      progress,
    ),
} satisfies Partial<Handlers>;
