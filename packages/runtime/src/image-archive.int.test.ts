/**
 * loadImages against the real dockerd with real `docker save` archives of the test image, whole
 * and cut. The archive is saved under a name of this file's own (a tag of the test image), which
 * is removed again; whether a load brought that name back is what "loaded" means here.
 */
import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { isRuntimeError } from "./errors.ts";
import { loadImages, removeImage, tagImage } from "./images.ts";
import { testClient, testImage, testName } from "./testing.ts";

const run = promisify(execFile);

let client: DockerClient;
const ref = `local/${testName("load")}:1`;
let archive: Buffer;
/** Where each entry's header begins, as GNU tar reports it (`-R`: block numbers). */
let headerAt: Map<string, number>;

beforeAll(async () => {
  client = await testClient();
  await tagImage(client, testImage, ref);
  const file = join(tmpdir(), `${testName("load")}.tar`);
  try {
    await run("docker", ["save", "-o", file, ref]);
    archive = await readFile(file);
    const { stdout } = await run("tar", ["-R", "-tf", file]);
    headerAt = new Map(
      [...stdout.matchAll(/^block (\d+): (.+)$/gm)].map((m) => [m[2] as string, Number(m[1]) * 512]),
    );
  } finally {
    await rm(file, { force: true });
  }
  await removeImage(client, ref);
});
afterAll(async () => {
  await removeImage(client, ref).catch(() => undefined);
});

const loadedRef = () =>
  client.docker
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      () => false,
    );

/** Loads `bytes` in 64 KiB pieces, as an upload would come; the names loaded, or the failure. */
async function load(bytes: Buffer): Promise<{ names?: string[]; error?: unknown }> {
  async function* pieces() {
    for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
  }
  return loadImages(client, Readable.from(pieces())).then(
    (names) => ({ names }),
    (error: unknown) => ({ error }),
  );
}

describe("loading a `docker save` archive", () => {
  it("refuses one cut at a file boundary after manifest.json, which the Engine alone would load", async () => {
    // `docker load` of these bytes loads the image: manifest.json came, only `repositories` is missing.
    const cut = archive.subarray(0, headerAt.get("repositories"));
    const { error } = await load(cut);
    expect(isRuntimeError(error, "invalid_spec")).toBe(true);
    expect((error as Error).message).toBe(
      'load images: not a whole tar archive: no end-of-archive marker (the last entry was "manifest.json"); nothing was loaded',
    );
    expect(await loadedRef()).toBe(false);
  });

  it("refuses one cut inside its layer, naming the file", async () => {
    const layer = [...headerAt.keys()].find((name) => name.endsWith("/layer.tar")) as string;
    const { error } = await load(archive.subarray(0, (headerAt.get(layer) as number) + 512 + 100_000));
    expect((error as Error).message).toMatch(
      new RegExp(
        `the archive ends inside "${layer}" \\(100000 of its \\d+ bytes came\\); nothing was loaded$`,
      ),
    );
    expect(await loadedRef()).toBe(false);
  });

  it("loads the whole archive, plain and gzip-compressed", async () => {
    for (const bytes of [archive, gzipSync(archive)]) {
      expect(await load(bytes)).toEqual({ names: [ref] });
      expect(await loadedRef()).toBe(true);
      await removeImage(client, ref);
    }
  });

  it("refuses a gzip-compressed archive cut at a file boundary", async () => {
    const { error } = await load(gzipSync(archive.subarray(0, headerAt.get("repositories"))));
    expect((error as Error).message).toMatch(
      /no end-of-archive marker \(the last entry was "manifest.json"\)/,
    );
    expect(await loadedRef()).toBe(false);
  });
});
