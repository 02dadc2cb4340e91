import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { isRuntimeError } from "./errors.ts";
import { splitRef } from "./image-ref.ts";
import {
  type BuildEvent,
  buildImage,
  commitContainer,
  type ImageProgress,
  imageHistory,
  inspectImage,
  listImages,
  loadImages,
  pruneImages,
  pullImage,
  pushImage,
  removeImage,
  saveImages,
  tagImage,
} from "./images.ts";
import { authUser, deleteFromRegistry, startAuthRegistry, testRegistry } from "./registry-testing.ts";
import { removeSuiteResources, suiteLabels } from "./run-testing.ts";
import { testClient, testImage, testName } from "./testing.ts";

let client: DockerClient;
let dir: string;
const refs: string[] = [];
const pushed: Array<{ address: string; ref: string; auth?: string }> = [];

/** Collects an async iteration, or the error it ends with. */
async function drain<T>(events: AsyncIterable<T>): Promise<{ events: T[]; error?: unknown }> {
  const seen: T[] = [];
  try {
    for await (const event of events) seen.push(event);
    return { events: seen };
  } catch (error) {
    return { events: seen, error };
  }
}

/** A tiny image of its own (FROM scratch, one random file), so a pull really downloads its layer. */
async function uniqueImage(): Promise<string> {
  const ref = `${testName("img")}:v1`;
  refs.push(ref);
  const { events, error } = await drain(
    buildImage(client, {
      tag: ref,
      dockerfile: "FROM scratch\nCOPY noise.bin /noise.bin\n",
      files: [{ path: "noise.bin", content: randomBytes(256 * 1024) }],
      labels: suiteLabels,
    }),
  );
  expect(error).toBeUndefined();
  expect(events.at(-1)).toMatchObject({ kind: "built" });
  return ref;
}

beforeAll(async () => {
  client = await testClient();
  dir = await mkdtemp(join(tmpdir(), "dftest-images-"));
});

afterAll(async () => {
  try {
    await removeSuiteResources(client);
  } finally {
    for (const ref of refs) await removeImage(client, ref, { force: true }).catch(() => undefined);
    for (const p of pushed) {
      const { repository, tag } = splitRef(p.ref);
      await deleteFromRegistry(p.address, repository.slice(p.address.length + 1), tag ?? "latest", p.auth);
    }
    await rm(dir, { recursive: true, force: true });
  }
});

describe("images", () => {
  it("builds from a Dockerfile and files, streaming the log, and shows labels and history", async () => {
    const ref = `${testName("img")}:build`;
    refs.push(ref);
    const { events, error } = await drain<BuildEvent>(
      buildImage(client, {
        tag: ref,
        dockerfile: [
          `FROM ${testImage}`,
          "ARG GREETING",
          "COPY app/ /app/",
          'RUN echo "$GREETING from $(cat /app/name.txt)" > /app/hello && chmod 755 /app/run.sh',
          'CMD ["/app/run.sh"]',
        ].join("\n"),
        files: [
          { path: "app/name.txt", content: "dockfleet" },
          { path: "app/run.sh", content: "#!/bin/sh\ncat /app/hello\n", mode: 0o644 },
        ],
        buildArgs: { GREETING: "hello" },
        labels: { ...suiteLabels, purpose: "build-test" },
      }),
    );
    expect(error).toBeUndefined();
    // The builder adds one LABEL step per --label after the Dockerfile's own five.
    const steps = events.flatMap((e) => (e.kind === "step" ? [e] : []));
    expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => i + 1));
    expect(steps.slice(0, 5).map((s) => s.instruction.split(" ")[0])).toEqual([
      "FROM",
      "ARG",
      "COPY",
      "RUN",
      "CMD",
    ]);
    const built = events.at(-1);
    expect(built).toMatchObject({ kind: "built", imageId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });

    const inspected = await inspectImage(client, ref);
    expect(inspected.Id).toBe(built?.kind === "built" ? built.imageId : "");
    expect(inspected.Config.Labels).toMatchObject({ purpose: "build-test" });
    const history = await imageHistory(client, ref);
    expect(history.some((l) => l.createdBy.includes('CMD ["/app/run.sh"]'))).toBe(true);
    expect(
      history.some((l) => l.createdBy.includes("GREETING=hello") && l.createdBy.includes("/app/hello")),
    ).toBe(true);
    expect(
      (await listImages(client, { labels: { purpose: "build-test" } })).flatMap((i) => i.repoTags),
    ).toContain(ref);
  });

  it("surfaces a failing step as engine and a bad Dockerfile as invalid_spec, leaving no containers", async () => {
    const marker = testName("marker");
    const failing = await drain(
      buildImage(client, {
        dockerfile: `FROM ${testImage}\nRUN true\nRUN exit 3 # ${marker}\n`,
        labels: suiteLabels,
        noCache: true,
      }),
    );
    expect(isRuntimeError(failing.error, "engine")).toBe(true);
    expect((failing.error as Error).message).toMatch(/Step 3\/\d+ : RUN exit 3/);
    expect((failing.error as Error).message).toMatch(/non-zero code: 3/);
    const leftovers = await client.docker.listContainers({ all: true });
    expect(leftovers.filter((c) => c.Command.includes(marker))).toEqual([]);

    const parse = await drain(
      buildImage(client, { dockerfile: `FROM ${testImage}\nFLY away\n`, labels: suiteLabels }),
    );
    expect(isRuntimeError(parse.error, "invalid_spec")).toBe(true);
    // A base that is neither here nor in the (loopback) registry it names.
    const base = await drain(
      buildImage(client, {
        dockerfile: `FROM ${testRegistry()}/${testName("nobase")}:1\n`,
        labels: suiteLabels,
      }),
    );

    expect(isRuntimeError(base.error, "invalid_spec")).toBe(true);
  });

  it("tags, pushes with per-layer progress, removes, and pulls back from the local registry", async () => {
    const local = await uniqueImage();
    const remote = `${testRegistry()}/${local}`;
    await tagImage(client, local, remote);
    refs.push(remote);
    pushed.push({ address: testRegistry(), ref: remote });
    const push = await drain<ImageProgress>(pushImage(client, remote));
    expect(push.error).toBeUndefined();
    expect(push.events).toContainEqual(expect.objectContaining({ kind: "layer", status: "Pushed" }));
    const pushedDigest = push.events.find((e) => e.kind === "digest");
    expect(pushedDigest).toBeDefined();

    await removeImage(client, remote);
    await removeImage(client, local);
    const pull = await drain<ImageProgress>(pullImage(client, remote));
    expect(pull.error).toBeUndefined();
    const layers = pull.events.filter((e) => e.kind === "layer");
    expect(layers.map((e) => e.kind === "layer" && e.status)).toEqual(
      expect.arrayContaining(["Pulling fs layer", "Download complete", "Pull complete"]),
    );
    expect(pull.events).toContainEqual(pushedDigest);
    await expect(inspectImage(client, remote)).resolves.toMatchObject({ RepoTags: [remote] });
  });

  it("gives not_found for an image the registry does not have", async () => {
    const missing = await drain(pullImage(client, `${testRegistry()}/${testName("none")}:v1`));
    expect(isRuntimeError(missing.error, "not_found")).toBe(true);
    const unknown = await removeImage(client, `${testName("none")}:v1`).catch((e: unknown) => e);
    expect(isRuntimeError(unknown, "not_found")).toBe(true);
  });

  it("passes registry credentials per call, never through the host's Docker config", async () => {
    const configBefore = existsSync(join(homedir(), ".docker", "config.json"));
    const registry = await startAuthRegistry();
    try {
      const local = await uniqueImage();
      const remote = `${registry.address}/${local}`;
      await tagImage(client, local, remote);
      refs.push(remote);
      const denied = await drain(pushImage(client, remote));
      expect(isRuntimeError(denied.error, "permission")).toBe(true);

      const auth = { ...authUser, serveraddress: registry.address };
      const ok = await drain(pushImage(client, remote, { auth }));
      expect(ok.error).toBeUndefined();
      await removeImage(client, remote);
      const noAuthPull = await drain(pullImage(client, remote));
      expect(isRuntimeError(noAuthPull.error, "permission")).toBe(true);

      const pulled = await drain(pullImage(client, remote, { auth }));
      expect(pulled.error).toBeUndefined();
      expect(existsSync(join(homedir(), ".docker", "config.json"))).toBe(configBefore);
    } finally {
      await registry.stop();
    }
  });

  it("commits a container to an image with changes", async () => {
    const container = await client.docker.createContainer({
      name: testName("commit"),
      Image: testImage,
      Cmd: ["sh", "-c", "echo committed > /marker"],
      Labels: { ...suiteLabels },
      HostConfig: { NetworkMode: "none" },
    });
    await container.start();
    await container.wait();
    const ref = `${testName("img")}:commit`;
    refs.push(ref);
    const id = await commitContainer(client, {
      container: container.id,
      ref,
      comment: "from a test",
      changes: ['CMD ["cat", "/marker"]', "LABEL dockfleet.test=1"],
    });
    const inspected = await inspectImage(client, ref);
    expect(inspected.Id).toBe(id);
    expect(inspected.Config.Cmd).toEqual(["cat", "/marker"]);
    expect(inspected.Comment).toBe("from a test");
  });

  it("saves images to a tar stream and loads them back", async () => {
    const ref = await uniqueImage();
    const file = join(dir, "images.tar");
    await saveImages(client, [ref], createWriteStream(file));
    expect((await stat(file)).size).toBeGreaterThan(256 * 1024);
    const id = (await inspectImage(client, ref)).Id;
    await removeImage(client, ref);
    const loaded = await loadImages(client, createReadStream(file));
    expect(loaded).toEqual([ref]);
    expect((await inspectImage(client, ref)).Id).toBe(id);

    const missing = await saveImages(
      client,
      [`${testName("none")}:v1`],
      createWriteStream(join(dir, "x.tar")),
    ).catch((e: unknown) => e);
    expect(isRuntimeError(missing, "not_found")).toBe(true);
  });

  it("prunes dangling images by label only", async () => {
    const mark = testName("prune");
    const ref = `${testName("img")}:prune`;
    refs.push(ref);
    const build = async () => {
      const { events } = await drain(
        buildImage(client, {
          tag: ref,
          dockerfile: "FROM scratch\nCOPY f /f\n",
          files: [{ path: "f", content: randomBytes(64) }],
          labels: { ...suiteLabels, "dftest.prune": mark },
        }),
      );
      const last = events.at(-1);
      return last?.kind === "built" ? last.imageId : "";
    };
    // Building the tag again leaves the first image without a name: dangling.
    const first = await build();
    const second = await build();
    expect(
      (await listImages(client, { dangling: true, labels: { "dftest.prune": mark } })).map((i) => i.id),
    ).toEqual([first]);
    const report = await pruneImages(client, { labels: { "dftest.prune": mark } });
    expect(report.deleted).toContain(first);
    expect(report.deleted).not.toContain(second);
    await expect(inspectImage(client, second)).resolves.toMatchObject({ Id: second });
  });
});
