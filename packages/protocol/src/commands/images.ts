/** Commands on the images of one host. Pull and push report progress: they are jobs (jobs.ts). */
import { ImageFilter, ImageLayer, ImageRef, ImageSummary } from "@dockfleet/runtime";
import { z } from "zod";
import { unary } from "../define.ts";
import { bounded, LabelsSchema } from "./bounds.ts";

/** An image by reference (`app:1.2`, `registry:5000/team/app`) or id (`sha256:…`, short or full). */
const ImageRefInput = z.object({ image: ImageRef.max(512) });

/** The Engine sends a list (or null); dockerode's types also allow a plain string. */
const Argv = z
  .union([z.string(), z.array(z.string())])
  .nullable()
  .optional();

/**
 * The Engine's inspect document as it sends it (the runtime passes it through): the fields the
 * console reads are typed, the rest (GraphDriver, ContainerConfig, …) travels as it is.
 */
export const ImageDetailsSchema = z.looseObject({
  Id: z.string(),
  RepoTags: z.array(z.string()).nullable(),
  RepoDigests: z.array(z.string()).nullable(),
  /** RFC 3339. */
  Created: z.string(),
  Size: z.number(),
  Architecture: z.string(),
  Os: z.string(),
  Author: z.string().optional(),
  Comment: z.string().optional(),
  Config: z
    .looseObject({
      Cmd: Argv,
      Entrypoint: Argv,
      Env: z.array(z.string()).nullable().optional(),
      WorkingDir: z.string().optional(),
      User: z.string().optional(),
      Labels: z.record(z.string(), z.string()).nullable().optional(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullable().optional(),
    })
    .nullable()
    .optional(),
  RootFS: z.looseObject({ Type: z.string(), Layers: z.array(z.string()).optional() }).optional(),
});

const PruneReport = z.object({ deleted: z.array(z.string()), spaceReclaimed: z.number() });

export const imageCommands = {
  "image.list": unary({
    description: "Images of the host (by reference pattern, labels, dangling; intermediate ones with `all`)",
    input: bounded(ImageFilter),
    result: z.array(ImageSummary),
  }),
  "image.inspect": unary({
    description: "One image's full inspect document",
    input: ImageRefInput,
    result: ImageDetailsSchema,
  }),
  "image.history": unary({
    description: "An image's layers, newest first, as `docker history` shows them",
    input: ImageRefInput,
    result: z.array(ImageLayer),
  }),
  "image.tag": unary({
    description: "Give an image another name (`docker tag SOURCE TARGET`)",
    input: z.object({ source: ImageRef.max(512), target: ImageRef.max(512) }),
    result: z.null(),
  }),
  "image.remove": unary({
    description:
      "Remove an image name, and the image once no name is left (`conflict` while a container uses it, unless `force`)",
    input: ImageRefInput.extend({
      force: z.boolean().default(false),
      /** Keep the untagged parent images. */
      noPrune: z.boolean().default(false),
    }),
    result: z.object({ untagged: z.array(z.string()), deleted: z.array(z.string()) }),
    defaultTimeoutMs: 120_000,
  }),
  "image.prune": unary({
    description: "Remove dangling images (with `dangling: false`, every image no container uses), by label",
    input: bounded(
      z.object({
        dangling: z.boolean().default(true),
        labels: LabelsSchema.optional(),
      }),
    ),
    result: PruneReport,
    defaultTimeoutMs: 300_000,
  }),
};
