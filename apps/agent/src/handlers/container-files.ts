/** container.files.read, container.files.write: tar archives out of and into a container. */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { fileReadLimitBytes, LinkError, type StreamItem } from "@dockfleet/protocol";
import { copyFromContainer, copyToContainer } from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

/**
 * Bytes per piece of a read: the executor holds at most 1 MiB of pieces per stream and sends at
 * most 256 KiB in one chunk (see `itemBytes`), so memory stays flat whatever the piece size; larger
 * pieces cost less per byte (bench/agent-file-read.bench.ts).
 */
export const readPieceBytes = 64 * 1024;

/** Go's os.ModeDir, the top bit of the Engine's path stat mode. */
const goModeDir = 2 ** 31;

const sizeText = (bytes: number) =>
  bytes % 1024 ** 3 === 0 ? `${bytes / 1024 ** 3} GiB` : `${bytes / 1024 ** 2} MiB`;

const tooLarge = (path: string, limitBytes: number) =>
  new LinkError(
    "invalid",
    `"${path}" is too large: its tar archive is over ${sizeText(limitBytes)}, the most one read carries`,
  );

export interface ArchiveLimits {
  /** The container path, for the error that names it. */
  path: string;
  limitBytes: number;
  pieceBytes: number;
}

/**
 * The archive in pieces as they are read, counted and hashed on the way; fails as soon as
 * it passes the limit. `summary` is complete once the pieces ended.
 */
export function archivePieces(archive: Readable, limits: ArchiveLimits) {
  const hash = createHash("sha256");
  let bytes = 0;
  let sha256 = "";
  async function* pieces(): AsyncGenerator<StreamItem<"container.files.read">> {
    try {
      for await (const chunk of archive as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > limits.limitBytes) throw tooLarge(limits.path, limits.limitBytes);
        hash.update(chunk);
        for (let at = 0; at < chunk.length; at += limits.pieceBytes) {
          yield { data: chunk.subarray(at, at + limits.pieceBytes) };
        }
      }
      sha256 = hash.digest("hex");
    } finally {
      archive.destroy();
    }
  }
  return { pieces: pieces(), summary: () => ({ bytes, sha256 }) };
}

export const containerFileHandlers = {
  "container.files.read": async (ctx, input, signal) => {
    const { path } = input;
    const { stat, archive } = await copyFromContainer(await ctx.docker(), input.containerId, path, signal);
    // A file's size is known up front; a directory's is not (its contents are): the count catches it.
    const directory = stat !== undefined && (stat.mode & goModeDir) !== 0;
    if (stat && !directory && stat.size > fileReadLimitBytes) {
      archive.destroy();
      throw tooLarge(path, fileReadLimitBytes);
    }
    const read = archivePieces(archive, { path, limitBytes: fileReadLimitBytes, pieceBytes: readPieceBytes });
    return { items: read.pieces, result: () => ({ stat: stat ?? null, ...read.summary() }) };
  },
  "container.files.write": async (ctx, input, signal) => {
    const archive = Readable.from([Buffer.from(input.archiveBase64, "base64")]);
    await copyToContainer(await ctx.docker(), input.containerId, input.path, archive, {
      noOverwriteDirNonDir: input.noOverwriteDirNonDir,
      signal,
    });
    return null;
  },
} satisfies Partial<Handlers>;
