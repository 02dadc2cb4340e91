/** Commands on the volumes of one host. Backup and restore report progress: they are jobs (jobs.ts). */
import { Volume, VolumeFilter, VolumeName, VolumeSpec } from "@dockfleet/runtime";
import { z } from "zod";
import { unary } from "../define.ts";
import { bounded, LabelsSchema } from "./bounds.ts";

/** A volume by name (an anonymous volume's name is its 64-hex id). */
const VolumeRef = z.object({ name: VolumeName.max(255) });

export const volumeCommands = {
  "volume.list": unary({
    description:
      "Volumes of the host with the containers using each and, unless turned off, their size on disk",
    input: bounded(
      VolumeFilter.extend({
        /** Sizes come from `system df`, which walks every local volume: it costs disk reads. */
        withSizes: z.boolean().default(true),
      }),
    ),
    result: z.array(Volume),
    defaultTimeoutMs: 120_000,
  }),
  "volume.inspect": unary({
    description: "One volume with the containers using it; its size only when asked (a `system df`)",
    input: VolumeRef.extend({ withSize: z.boolean().default(false) }),
    result: Volume,
    defaultTimeoutMs: 60_000,
  }),
  "volume.create": unary({
    description: "Create a volume (an existing name with the same driver answers that volume)",
    input: bounded(VolumeSpec.extend({ name: VolumeName.max(255).optional() })),
    result: Volume,
    defaultTimeoutMs: 60_000,
  }),
  "volume.remove": unary({
    description: "Remove a volume (`conflict` while any container, even a stopped one, uses it)",
    input: VolumeRef.extend({ force: z.boolean().default(false) }),
    result: z.null(),
    defaultTimeoutMs: 60_000,
  }),
  "volume.prune": unary({
    description:
      "Remove volumes no container uses, by label (from API 1.42 only anonymous ones unless `all`)",
    input: bounded(z.object({ labels: LabelsSchema.optional(), all: z.boolean().default(false) })),
    result: z.object({ deleted: z.array(z.string()), spaceReclaimed: z.number() }),
    defaultTimeoutMs: 300_000,
  }),
};
