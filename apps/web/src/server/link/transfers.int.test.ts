/**
 * Archives through the real link: the real agent bundle against the real dockerd saves an image in
 * pieces, loads it back through `image.load` paced by uploadThroughStream, refuses an upload whose
 * sha256 does not match (loading nothing), and exports a container's filesystem. Everything made
 * here is named dftest-xfer-* and removed by its id.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "../../../../../packages/runtime/src/client.ts";
import { commitContainer } from "../../../../../packages/runtime/src/images.ts";
import { removeSuiteResources, suiteLabels } from "../../../../../packages/runtime/src/run-testing.ts";
import { testClient, testImage, testName } from "../../../../../packages/runtime/src/testing.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { type LinkedAgent, startLinkedAgent } from "../testing/linked-agent.ts";
import type { LinkRegistry, LinkStream } from "./registry.ts";
import { hostLink } from "./store.ts";
import { caught } from "./testing.ts";
import { uploadThroughStream } from "./upload.ts";

let fleet: TestConsole;
let agent: LinkedAgent;
let link: LinkRegistry;
let docker: DockerClient;
const image = `local/${testName("xfer")}:1`;
/** Made from a container that wrote this file (and 2 MiB of noise, so the archive has many pieces). */
const marker = { path: "/dftest-marker", content: "saved through the link\n" };
let imageId: string;
/** The archive `image.save` answered, kept for the loads. */
let archive: Buffer;

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A stopped container that wrote the marker and the noise; the caller removes it. */
async function containerWithFiles(what: string) {
  const container = await docker.docker.createContainer({
    name: testName(what),
    Image: testImage,
    Cmd: ["sh", "-c", `printf '${marker.content}' > ${marker.path} && head -c 2097152 /dev/urandom > /noise`],
    Labels: { ...suiteLabels },
    HostConfig: { NetworkMode: "none" },
  });
  await container.start();
  await container.wait();
  return container;
}

async function makeImage(): Promise<string> {
  const container = await containerWithFiles("xfer-src");
  try {
    return await commitContainer(docker, {
      container: container.id,
      ref: image,
      changes: Object.entries(suiteLabels).map(([key, value]) => `LABEL ${key}=${value}`),
    });
  } finally {
    await container.remove({ force: true });
  }
}

/** The tar's files by name, read whole (the archives here are small). */
async function tarFiles(bytes: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const reading = (async () => {
    for await (const entry of extract) {
      const parts: Buffer[] = [];
      for await (const part of entry) parts.push(part as Buffer);
      files.set(entry.header.name, Buffer.concat(parts));
    }
  })();
  await pipeline(Readable.from([bytes]), extract);
  await reading;
  return files;
}

/** Joins the pieces of an outgoing archive and checks them against the stream's result. */
async function reassemble(stream: LinkStream<"image.save" | "container.export">): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const chunk of stream) {
    for (const item of chunk.items) pieces.push(item.data);
  }
  const bytes = Buffer.concat(pieces);
  const result = await stream.result;
  expect(result).toEqual({ bytes: bytes.length, sha256: sha256(bytes) });
  expect(pieces.length).toBeGreaterThan(1);
  return bytes;
}

const imageExists = () =>
  docker.docker
    .getImage(image)
    .inspect()
    .then(
      (details) => details.Id,
      () => null,
    );

beforeAll(async () => {
  [fleet, docker] = await Promise.all([startTestConsole(), testClient()]);
  agent = await startLinkedAgent(fleet, "dftest-xfer-host");
  link = hostLink(fleet.db);
  imageId = await makeImage();
});
afterAll(async () => {
  await agent?.stop();
  await fleet?.stop();
  if (docker) {
    await removeSuiteResources(docker);
    if (imageId)
      await docker.docker
        .getImage(imageId)
        .remove({ force: true })
        .catch(() => undefined);
  }
});

describe("image archives", () => {
  it("saves an image in pieces whose sha256 is the result's", async () => {
    archive = await reassemble(link.stream(agent.hostId, "image.save", { images: [image] }));
    const files = await tarFiles(archive);
    const manifest = JSON.parse(files.get("manifest.json")?.toString() ?? "[]") as { RepoTags: string[] }[];
    expect(manifest.map((m) => m.RepoTags)).toEqual([[image]]);
    expect(files.has(`${imageId.replace(/^sha256:/, "")}.json`)).toBe(true);
  });

  it("loads it back through the stream's input, as the same image", async () => {
    await docker.docker.getImage(image).remove({ force: true });
    expect(await imageExists()).toBeNull();

    const stream = link.stream(agent.hostId, "image.load", {});
    // Pieces of 64 KiB: the 2 MiB archive takes ~35 of them, far more than the window.
    const result = await uploadThroughStream(stream, Readable.from([archive]), {
      window: 4,
      pieceBytes: 64 * 1024,
    });
    expect(result.images).toEqual([image]);
    expect(await imageExists()).toBe(imageId);
  });

  it("refuses an upload whose sha256 is not the one sent, and loads nothing", async () => {
    await docker.docker.getImage(image).remove({ force: true });
    const stream = link.stream(agent.hostId, "image.load", {});
    // As if a byte had changed on the way: the `end` names another archive.
    const damaged = {
      ...stream,
      send: (input: Parameters<typeof stream.send>[0]) =>
        stream.send(input.kind === "end" ? { ...input, sha256: sha256(Buffer.from("another")) } : input),
    };
    const error = await caught(uploadThroughStream(damaged, Readable.from([archive])));
    expect(error.code).toBe("invalid");
    expect(error.message).toMatch(/is not the one sent.*nothing was loaded/);
    expect(await imageExists()).toBeNull();
  });

  it("refuses a truncated archive naming where it ends, and loads nothing", async () => {
    const half = archive.subarray(0, archive.length >> 1);
    const stream = link.stream(agent.hostId, "image.load", {});
    const error = await caught(uploadThroughStream(stream, Readable.from([half])));
    expect(error.code).toBe("docker");
    expect(error.dockerCode).toBe("invalid_spec");
    expect(error.message).toMatch(/not a whole tar archive: the archive ends inside .*nothing was loaded/);
    expect(await imageExists()).toBeNull();
  });

  it("fails a save of a missing image with the Engine's not_found", async () => {
    const stream = link.stream(agent.hostId, "image.save", { images: [`local/${testName("xfer-none")}:1`] });
    const error = await caught(stream.result);
    expect(error.code).toBe("docker");
    expect(error.dockerCode).toBe("not_found");
  });
});

describe("container.export", () => {
  it("streams the filesystem with the container's own files", async () => {
    const container = await containerWithFiles("xfer-export");
    try {
      const bytes = await reassemble(
        link.stream(agent.hostId, "container.export", { containerId: container.id }),
      );
      const files = await tarFiles(bytes);
      expect(files.get(marker.path.slice(1))?.toString()).toBe(marker.content);
      expect(files.get("noise")?.length).toBe(2 * 1024 * 1024);
      expect(files.has("bin/busybox")).toBe(true);
    } finally {
      await container.remove({ force: true });
    }
  });
});
