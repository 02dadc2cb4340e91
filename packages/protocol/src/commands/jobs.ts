/**
 * Jobs: long work on a host that reports progress while it runs and outlives disconnects (its
 * result waits on the agent's disk for the next connection). Image transfers and builds, volume
 * backups and restores.
 */
import {
  BuildOptions,
  BuildSpec,
  ImageRef,
  RegistryAuth,
  VolumeArchiveOptions,
  VolumeName,
  VolumeRestoreOptions,
} from "@dockfleet/runtime";
import { z } from "zod";
import { job } from "../define.ts";
import { bounded, maxEntries } from "./bounds.ts";
import { base64Bytes } from "./containers.ts";

const hour = 60 * 60 * 1000;

/** One layer's state in an image transfer, as the Engine words it ("Downloading", "Pull complete"…). */
export const LayerProgressSchema = z.object({
  layer: z.string().max(128),
  status: z.string().max(256),
  current: z.number().nullable(),
  total: z.number().nullable(),
});

/** The whole transfer so far: every layer's latest state, and the Engine's latest general status. */
export const ImageTransferProgressSchema = z.object({
  layers: z.array(LayerProgressSchema).max(1000),
  status: z.string().max(512).nullable(),
});
export type ImageTransferProgress = z.infer<typeof ImageTransferProgressSchema>;

const ImageTransferInput = z.object({
  image: ImageRef,
  /** Registry credentials for this transfer only; never written to the host's Docker config. */
  auth: RegistryAuth.optional(),
});

const ImageTransferResult = z.object({
  image: z.string(),
  /** The manifest digest the registry holds, when the Engine said it. */
  digest: z.string().nullable(),
});

/**
 * A backup archive's file name in the agent's backup directory: the agent makes it, the console
 * only echoes it back. Never a path: no slash, no leading dot.
 */
export const ArchiveNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,250}\.tar\.gz$/, "an archive name like data-20261123T104500Z.tar.gz");

export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/i, "a sha256 in hex (64 characters)");

const ArchiveOptions = VolumeArchiveOptions.omit({ helperLabels: true });

export const BackupProgressSchema = z.object({
  phase: z.enum(["preparing", "archiving", "verifying"]),
  /** Uncompressed bytes read from the volume so far. */
  tarBytes: z.number().int().min(0),
  /** The volume's size as the Engine reports it (null: unknown); tarBytes ends a bit above it (headers). */
  volumeBytes: z.number().int().min(0).nullable(),
  /** Compressed bytes written to the archive so far (while verifying: read back). */
  bytes: z.number().int().min(0),
});
export type BackupProgress = z.infer<typeof BackupProgressSchema>;

/** What the manifest beside each archive records, and what a backup answers. */
export const BackupManifestSchema = z.object({
  archive: ArchiveNameSchema,
  volume: z.string(),
  format: z.literal("tar+gzip"),
  sha256: Sha256Schema,
  bytes: z.number().int().min(0),
  tarSha256: Sha256Schema,
  tarBytes: z.number().int().min(0),
  stoppedContainers: z.array(z.string()),
  createdAt: z.string(),
});
export type BackupManifest = z.infer<typeof BackupManifestSchema>;

export const RestoreProgressSchema = z.object({
  /** The archive is read twice: once to check its sha256 before anything is touched, once into the volume. */
  phase: z.enum(["verifying", "restoring"]),
  bytes: z.number().int().min(0),
  totalBytes: z.number().int().min(0),
});
export type RestoreProgress = z.infer<typeof RestoreProgressSchema>;

/** Largest build context one build carries: the Dockerfile and every file, decoded. */
export const buildContextLimitBytes = 8 * 1024 * 1024;
/** Lines of build output a progress report carries (the latest), and a build's result. */
export const buildProgressLogLines = 40;
export const buildResultLogLines = 200;
/** Longest line of build output, or instruction, that travels; longer ones are cut. */
export const buildLogLineLimit = 2000;

const BuildLogLine = z.string().max(buildLogLineLimit);
const RuntimeBuildFile = BuildSpec.shape.files.unwrap().element;

const BuildFileInput = z.object({
  /** Where the file goes in the context, relative (what COPY and ADD name). */
  path: RuntimeBuildFile.shape.path
    .max(4096)
    .refine((path) => path !== "Dockerfile", "the Dockerfile goes in `dockerfile`, not among the files"),
  /** The file's bytes, base64 (the link's messages are JSON). */
  contentBase64: z.base64("base64-encoded bytes"),
  mode: RuntimeBuildFile.shape.mode,
});

/** The runtime's BuildSpec with file contents in base64, the context capped as a whole. */
const BuildInput = z
  .object({
    dockerfile: BuildSpec.shape.dockerfile,
    files: z.array(BuildFileInput).max(maxEntries).default([]),
    tag: ImageRef.max(512).optional(),
    buildArgs: bounded(BuildOptions.shape.buildArgs),
    labels: bounded(BuildOptions.shape.labels),
    noCache: BuildOptions.shape.noCache,
    /** The stage of a multi-stage Dockerfile to stop at. */
    target: z.string().min(1).max(256).optional(),
  })
  .superRefine(({ dockerfile, files }, ctx) => {
    const message = `the Dockerfile and the files up to here come to more than ${buildContextLimitBytes / 1024 / 1024} MiB, the most one build carries`;
    let bytes = new TextEncoder().encode(dockerfile).length;
    if (bytes > buildContextLimitBytes) ctx.addIssue({ code: "custom", path: ["dockerfile"], message });
    for (const [index, file] of files.entries()) {
      bytes += base64Bytes(file.contentBase64);
      if (bytes > buildContextLimitBytes) {
        ctx.addIssue({ code: "custom", path: ["files", index, "contentBase64"], message });
        return;
      }
    }
  });

export const BuildProgressSchema = z.object({
  /** The Dockerfile step running now ("Step 2/3 : RUN make"); null before the first. */
  step: z
    .object({ number: z.number().int().min(1), total: z.number().int().min(1), instruction: BuildLogLine })
    .nullable(),
  /** The latest lines of the build's output, oldest first. */
  log: z.array(BuildLogLine).max(buildProgressLogLines),
});
export type BuildProgress = z.infer<typeof BuildProgressSchema>;

export const jobCommands = {
  "image.pull": job({
    description: "Pull an image from its registry, reporting every layer's progress",
    input: ImageTransferInput,
    progress: ImageTransferProgressSchema,
    result: ImageTransferResult,
    defaultTimeoutMs: hour,
  }),
  "image.push": job({
    description: "Push an image to its registry, reporting every layer's progress",
    input: ImageTransferInput,
    progress: ImageTransferProgressSchema,
    result: ImageTransferResult,
    defaultTimeoutMs: hour,
  }),
  "image.build": job({
    description:
      "Build an image from a Dockerfile and files (no base image is pulled), reporting the step and the latest output",
    input: BuildInput,
    progress: BuildProgressSchema,
    result: z.object({
      imageId: z.string(),
      tag: z.string().nullable(),
      /** The last lines of the build's output. */
      log: z.array(BuildLogLine).max(buildResultLogLines),
    }),
    defaultTimeoutMs: hour,
  }),
  "volume.backup": job({
    description:
      "Archive a volume (tar+gzip, sha256) into the agent's backup directory; done only once the archive and its manifest are on disk and read back",
    input: ArchiveOptions.extend({ volume: VolumeName }),
    progress: BackupProgressSchema,
    result: BackupManifestSchema,
    defaultTimeoutMs: 6 * hour,
  }),
  "volume.restore": job({
    description:
      "Restore an archive of the agent's backup directory into a new or existing volume, after checking its sha256",
    input: VolumeRestoreOptions.omit({ helperLabels: true }).extend({
      volume: VolumeName,
      archive: ArchiveNameSchema,
      sha256: Sha256Schema,
    }),
    progress: RestoreProgressSchema,
    result: z.object({
      volume: z.string(),
      created: z.boolean(),
      cleared: z.boolean(),
      tarBytes: z.number().int().min(0),
      stoppedContainers: z.array(z.string()),
    }),
    defaultTimeoutMs: 6 * hour,
  }),
};
