/** Images to and from tar streams (`docker save` / `docker load`), streamed both ways. */
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { DockerClient } from "./client.ts";
import { dial } from "./dial.ts";
import { engineCall, RuntimeError, toRuntimeError } from "./errors.ts";
import { wholeArchive } from "./image-archive-check.ts";
import { jsonLines, messageError } from "./json-lines.ts";

/** Streams one or more images (with their names and layers) as a tar into `sink`. */
export async function saveImages(
  client: DockerClient,
  refs: string[],
  sink: Writable,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  if (refs.length === 0) throw new RuntimeError("invalid_spec", "save images: name at least one image");
  const what = `save images ${refs.map((r) => `"${r}"`).join(", ")}`;
  const tar = await engineCall(what, () =>
    dial<Readable>(client, {
      path: "/images/get?",
      method: "GET",
      query: { names: refs },
      isStream: true,
      statusCodes: { 200: true, 404: "no such image", 500: "server error" },
      abortSignal: options.signal,
    }),
  );
  await pipeline(tar, sink, { signal: options.signal }).catch((error: unknown) => {
    throw toRuntimeError(error, what);
  });
}

/**
 * Loads images from a `saveImages` / `docker save` tar, or that tar gzip-compressed; returns the
 * names (or ids) loaded. An archive that is not whole is refused (`invalid_spec`, saying what is
 * wrong) and the Engine, its upload aborted, loads nothing of it.
 */
export async function loadImages(
  client: DockerClient,
  source: Readable,
  options: { signal?: AbortSignal } = {},
): Promise<string[]> {
  // dockerode's typings lose the promise overload once options are passed.
  const load = client.docker.loadImage.bind(client.docker) as (
    file: Readable,
    opts: object,
  ) => Promise<Readable>;
  const archive = wholeArchive(source);
  try {
    const response = await engineCall("load images", () =>
      load(archive, { quiet: true, abortSignal: options.signal }),
    );
    const loaded: string[] = [];
    for await (const message of jsonLines(response)) {
      const failure = messageError(message);
      if (failure) {
        throw new RuntimeError(
          "invalid_spec",
          `load images: the Engine refused the archive (not a whole \`docker save\` archive?): ${failure}`,
        );
      }
      const line = message.stream?.trim() ?? "";
      const named = /^Loaded image(?: ID)?: (.+)$/.exec(line);
      if (named?.[1]) loaded.push(named[1]);
    }
    return loaded;
  } finally {
    // Ends the walk (and with it the reading of `source`) when the Engine answered early or failed.
    archive.destroy();
  }
}
