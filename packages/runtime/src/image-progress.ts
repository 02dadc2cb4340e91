/** Typed progress of pull and push, from the Engine's JSON lines, in Docker's own words. */
import { z } from "zod";
import type { EngineMessage } from "./json-lines.ts";

export const ImageProgress = z.discriminatedUnion("kind", [
  /** One layer's step: "Pulling fs layer", "Waiting", "Downloading", "Extracting", "Pull complete", "Already exists", "Preparing", "Pushing", "Pushed", "Layer already exists"… */
  z.object({
    kind: z.literal("layer"),
    layer: z.string(),
    status: z.string(),
    current: z.number().nullable(),
    total: z.number().nullable(),
  }),
  /** The manifest digest the registry holds for this reference. */
  z.object({ kind: z.literal("digest"), digest: z.string() }),
  /** Anything else the Engine says ("Pulling from library/x", "Status: Downloaded newer image…"). */
  z.object({ kind: z.literal("status"), status: z.string() }),
]);
export type ImageProgress = z.infer<typeof ImageProgress>;

/** Layer ids in progress lines are 12-hex short digests. */
const layerId = /^[0-9a-f]{12}$/;

/** Turns one Engine message into a progress event; undefined for lines that carry nothing. */
export function toImageProgress(message: EngineMessage): ImageProgress | undefined {
  const digest = message.aux?.Digest;
  if (typeof digest === "string") return { kind: "digest", digest };
  const status = message.status?.trim();
  if (!status) return undefined;
  const fromStatus = /^Digest: (sha256:[0-9a-f]{64})$/.exec(status);
  if (fromStatus?.[1]) return { kind: "digest", digest: fromStatus[1] };
  if (message.id && layerId.test(message.id)) {
    const detail = message.progressDetail ?? {};
    return {
      kind: "layer",
      layer: message.id,
      status,
      current: typeof detail.current === "number" ? detail.current : null,
      total: typeof detail.total === "number" && detail.total > 0 ? detail.total : null,
    };
  }
  return { kind: "status", status: message.id ? `${message.id}: ${status}` : status };
}
