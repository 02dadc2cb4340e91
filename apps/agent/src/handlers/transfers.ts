/**
 * image.save, container.export, image.load: whole archives between the Engine and the link, piece
 * by piece at the pace of whoever is slower, so the agent's memory does not grow with their size.
 */
import { createHash } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { LinkError, type StreamInput } from "@dockfleet/protocol";
import { exportContainer, isRuntimeError, loadImages, saveImages } from "@dockfleet/runtime";
import { archivePieces, readPieceBytes } from "./container-files.ts";
import type { Handlers } from "./types.ts";

/** Outgoing archives have no size limit: the console's pace bounds what the agent holds. */
const unlimited = (what: string) => ({
  path: what,
  limitBytes: Number.POSITIVE_INFINITY,
  pieceBytes: readPieceBytes,
});

/** A count that only grows, with a wait for its next change. */
class Received {
  bytes = 0;
  private waiting: (() => void)[] = [];

  add(bytes: number): void {
    this.bytes += bytes;
    for (const wake of this.waiting.splice(0)) wake();
  }

  changed(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/**
 * The console's pieces as the bytes of a tar stream for the Engine, taken from the inbox only as
 * fast as the Engine reads. The stream ends only once `end` brought the sha256 of exactly what
 * came; otherwise it fails, and loadImages, which sends the archive's end-of-archive marker only
 * after a clean end, aborts the Engine's request: nothing is loaded.
 */
function verifiedUpload(inbox: AsyncIterable<StreamInput<"image.load">>, received: Received): Readable {
  const hash = createHash("sha256");
  async function* bytes(): AsyncGenerator<Buffer> {
    for await (const message of inbox) {
      if (message.kind === "end") {
        const sha256 = hash.digest("hex");
        if (sha256 !== message.sha256) {
          throw new LinkError(
            "invalid",
            `image.load: the archive that arrived (${received.bytes} bytes, sha256 ${sha256}) is not the one sent (sha256 ${message.sha256}); nothing was loaded`,
          );
        }
        return;
      }
      // A view of the bytes as they arrived, not a copy.
      const piece = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
      hash.update(piece);
      received.add(piece.length);
      yield piece;
    }
    throw new LinkError("cancelled", "image.load: the upload stopped before its end; nothing was loaded");
  }
  return Readable.from(bytes(), { objectMode: false });
}

/** The runtime names why it or the Engine refused the archive (not whole, not a `docker save`). */
function refusedArchive(error: unknown): unknown {
  if (!isRuntimeError(error, "invalid_spec")) return error;
  return new LinkError("docker", `image.load: ${error.message}`, "invalid_spec");
}

export const transferHandlers = {
  "image.save": async (ctx, input, signal) => {
    const tar = new PassThrough();
    const saving = saveImages(await ctx.docker(), input.images, tar, { signal });
    // A missing image fails before any byte: the pieces end with that error.
    saving.catch((error: unknown) => tar.destroy(error as Error));
    const read = archivePieces(tar, unlimited(input.images.join(", ")));
    async function* pieces() {
      try {
        yield* read.pieces;
      } catch (error) {
        await saving; // the Engine call's own error, when it failed, rather than the stream's
        throw error;
      }
      await saving;
    }
    return { items: pieces(), result: read.summary };
  },
  "container.export": async (ctx, input, signal) => {
    const archive = await exportContainer(await ctx.docker(), input.containerId, signal);
    const read = archivePieces(archive, unlimited(`container ${input.containerId}`));
    return { items: read.pieces, result: read.summary };
  },
  "image.load": async (ctx, _input, signal, inbox) => {
    const received = new Received();
    const source = verifiedUpload(inbox, received);
    let failure: unknown;
    source.on("error", (error) => {
      failure = error;
    });
    const loading = loadImages(await ctx.docker(), source, { signal }).catch((error: unknown) => {
      throw failure ?? refusedArchive(error);
    });
    loading.catch(() => undefined); // surfaced by the credits below
    let images: string[] = [];
    /** The credits: the latest count whenever it changed, until the Engine answered. */
    async function* credits() {
      const loaded = loading.then((names) => {
        images = names;
        return true;
      });
      let reported = -1;
      try {
        for (;;) {
          if (received.bytes !== reported) {
            reported = received.bytes;
            yield { received: reported };
            continue;
          }
          if (await Promise.race([loaded, received.changed().then(() => false)])) return;
        }
      } finally {
        source.destroy();
      }
    }
    return { items: credits(), result: () => ({ images }) };
  },
} satisfies Partial<Handlers>;
