/**
 * Bulk bytes over the link: image archives (`docker save`) and container filesystems (`docker
 * export`) out of a host, image archives (`docker load`) into it. The bytes travel as pieces of a
 * stream (in binary frames, see wire.ts), paced by the consumer, so neither end ever holds a whole archive.
 */
import { ImageRef } from "@dockfleet/runtime";
import { z } from "zod";
import { stream } from "../define.ts";
import { bytesPiece } from "../wire.ts";
import { maxEntries } from "./bounds.ts";
import { ContainerRefSchema } from "./containers.ts";

/** Most bytes one piece of an archive carries, either way. */
export const transferPieceLimitBytes = 256 * 1024;

const Piece = bytesPiece(transferPieceLimitBytes);

const Sha256 = z.hash("sha256", { error: "a sha256 in hex (64 characters)" });

/** One piece of an outgoing archive: join the pieces' bytes in order. */
const ArchivePiece = z.object({ data: Piece });
/** What a piece weighs on the wire: the agent bounds a stream's buffer, and each chunk, by it. */
const pieceWeight = (piece: z.output<typeof ArchivePiece>) => piece.data.byteLength;

/** What the agent read from the Engine, whole: check the joined pieces against it. */
const ArchiveSummary = z.object({ bytes: z.number().int().min(0), sha256: Sha256 });

/**
 * What the console sends into an `image.load`: the archive in pieces, in order, then `end` with the
 * sha256 of all of them. Nothing is loaded unless the agent received exactly those bytes.
 */
export const ImageLoadInputSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("data"), data: Piece }),
  z.object({ kind: z.literal("end"), sha256: Sha256 }),
]);
export type ImageLoadInput = z.infer<typeof ImageLoadInputSchema>;

export const transferCommands = {
  "image.save": stream({
    description:
      "Images with their names and layers as one tar archive (`docker save`), in pieces; ends with the archive's size and sha256",
    input: z.object({ images: z.array(ImageRef.max(512)).min(1).max(50) }),
    item: ArchivePiece,
    // Nothing of an archive may be lost: a slow reader pauses the read from the Engine.
    overflow: "pause",
    itemBytes: pieceWeight,
    result: ArchiveSummary,
  }),
  "container.export": stream({
    description:
      "A container's whole filesystem as a tar archive (`docker export`), in pieces; ends with the archive's size and sha256",
    input: ContainerRefSchema,
    item: ArchivePiece,
    overflow: "pause",
    itemBytes: pieceWeight,
    result: ArchiveSummary,
  }),
  "image.load": stream({
    description:
      "Load images from a tar archive (`docker load`) the console sends in pieces with `input`; loads nothing unless the archive's sha256 matches",
    input: z.object({}),
    /**
     * Bytes the agent took so far: the console's credits. It keeps only a few pieces beyond this
     * count in flight, since the agent queues at most 256 messages of a stream's input.
     */
    item: z.object({ received: z.number().int().min(0) }),
    // Counts only grow: the agent sends the latest when it may, so nothing needs dropping.
    overflow: "pause",
    accepts: ImageLoadInputSchema,
    /** The names (or ids of untagged images) the Engine says it loaded. */
    result: z.object({ images: z.array(z.string().max(1024)).max(maxEntries) }),
  }),
};
