/**
 * Jobs through the real link: the real agent bundle against the real dockerd and the local
 * registry, progress reported while they run, results checked against what Docker and the disk say.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  BackupProgress,
  BuildProgress,
  ImageTransferProgress,
  RestoreProgress,
} from "@dockfleet/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "../../../../../packages/runtime/src/client.ts";
import { testRegistry } from "../../../../../packages/runtime/src/registry-testing.ts";
import {
  mustRun,
  removeSuiteResources,
  suiteLabels,
} from "../../../../../packages/runtime/src/run-testing.ts";
import { testClient, testImage, testName } from "../../../../../packages/runtime/src/testing.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { type LinkedAgent, startLinkedAgent } from "../testing/linked-agent.ts";
import type { LinkRegistry } from "./registry.ts";
import { hostLink } from "./store.ts";
import { caught } from "./testing.ts";

let fleet: TestConsole;
let agent: LinkedAgent;
let link: LinkRegistry;
let docker: DockerClient;
const image = `${testRegistry()}/${testName("jobs")}:1`;
/** Images the builds here made, removed by id at the end. */
const built: string[] = [];

beforeAll(async () => {
  [fleet, docker] = await Promise.all([startTestConsole(), testClient()]);
  agent = await startLinkedAgent(fleet, "jobs-host");
  link = hostLink(fleet.db);
});
afterAll(async () => {
  await agent?.stop();
  await fleet?.stop();
  if (docker) {
    await removeSuiteResources(docker);
    for (const ref of [image, ...built]) {
      await docker.docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
});

describe("image transfers", () => {
  let pushed: string | null;

  it("pushes with progress and answers the registry's digest", async () => {
    await docker.docker.getImage(testImage).tag({ repo: image.replace(/:1$/, ""), tag: "1" });
    const reports: ImageTransferProgress[] = [];
    const result = await link.call(
      agent.hostId,
      "image.push",
      { image },
      { onProgress: (p) => reports.push(p) },
    );
    expect(result.image).toBe(image);
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    pushed = result.digest;
    // The first report goes out at once; later ones only every 250 ms, and this push is quicker.
    expect(reports[0]?.status ?? reports[0]?.layers[0]?.status).toBeTruthy();
  });

  it("pulls it back with progress", async () => {
    await docker.docker.getImage(image).remove();
    const reports: ImageTransferProgress[] = [];
    const result = await link.call(
      agent.hostId,
      "image.pull",
      { image },
      { onProgress: (p) => reports.push(p) },
    );
    expect(result.digest).toBe(pushed);
    expect(reports[0]?.status).toMatch(/Pulling from/);
    const inspected = await docker.docker.getImage(image).inspect();
    expect(inspected.RepoDigests.some((digest) => digest.endsWith(pushed ?? "none"))).toBe(true);
  });

  it("fails a pull of a missing image with Docker's own reason", async () => {
    const error = await caught(
      link.call(agent.hostId, "image.pull", { image: `${testRegistry()}/dftest-missing:1` }),
    );
    expect(error.code).toBe("docker");
    expect(error.dockerCode).toBe("not_found");
  });
});

describe("image builds", () => {
  const base64 = (text: string) => Buffer.from(text).toString("base64");

  it("builds a tagged, labelled image from a Dockerfile and files, reporting steps and output", async () => {
    const tag = `${testName("jobs-build")}:1`;
    const reports: BuildProgress[] = [];
    const result = await link.call(
      agent.hostId,
      "image.build",
      {
        dockerfile: [
          `FROM ${testImage}`,
          "COPY greeting.txt /greeting.txt",
          // The copied file arrived byte for byte, or this step fails.
          'RUN test "$(cat /greeting.txt)" = "hello from dftest-jobs" && for i in $(seq 1 300); do echo line-$i; done',
        ].join("\n"),
        files: [{ path: "greeting.txt", contentBase64: base64("hello from dftest-jobs") }],
        tag,
        labels: suiteLabels,
        noCache: true,
      },
      { onProgress: (p) => reports.push(p) },
    );
    built.push(result.imageId);
    const inspected = await docker.docker.getImage(tag).inspect();
    expect(inspected.Id).toBe(result.imageId);
    expect(inspected.Config.Labels).toMatchObject(suiteLabels);
    expect(result.tag).toBe(tag);
    // The first report goes out at once: the first step has begun.
    expect(reports[0]?.step).toMatchObject({ number: 1, instruction: `FROM ${testImage}` });
    for (const report of reports) expect(report.log.length).toBeLessThanOrEqual(40);
    // 300 lines of output and more: the result keeps the last 200.
    expect(result.log).toHaveLength(200);
    expect(result.log).toContain("line-300");
    expect(result.log).not.toContain("line-1");
  });

  it("fails on a RUN step with the Engine's message and what the step printed", async () => {
    const error = await caught(
      link.call(agent.hostId, "image.build", {
        dockerfile: `FROM ${testImage}\nRUN echo about to fail && exit 3`,
        labels: suiteLabels,
        noCache: true,
      }),
    );
    expect(error).toMatchObject({ code: "docker", dockerCode: "engine" });
    expect(error.message).toMatch(/returned a non-zero code: 3/);
    expect(error.message).toContain("about to fail");
  });

  it("refuses a context over 8 MiB, naming the file that passes it", async () => {
    const fourMiB = Buffer.alloc(4 * 1024 * 1024).toString("base64");
    const error = await caught(
      link.call(agent.hostId, "image.build", {
        dockerfile: "FROM scratch\nCOPY . /",
        files: ["a", "b", "c"].map((path) => ({ path, contentBase64: fourMiB })),
      }),
    );
    expect(error.code).toBe("invalid");
    expect(error.message).toBe(
      "image.build input: files.1.contentBase64: the Dockerfile and the files up to here come to more than 8 MiB, the most one build carries",
    );
  });
});

describe("volume backup and restore", () => {
  const volume = testName("backup");
  const listing = "cd /v && find . -type f -exec sha256sum {} + | sort";
  let before: string;
  let manifest: Awaited<ReturnType<typeof backup>>;
  const backupDir = () => join(agent.stateDir, "backups");
  const backup = (reports: BackupProgress[]) =>
    link.call(agent.hostId, "volume.backup", { volume }, { onProgress: (p) => reports.push(p) });

  beforeAll(async () => {
    await docker.docker.createVolume({ Name: volume, Labels: suiteLabels });
    await mustRun(
      docker,
      "cd /v && mkdir -p a/b && echo hello > a/b/f && dd if=/dev/urandom of=big bs=1M count=8 2>/dev/null",
      [`${volume}:/v`],
    );
    before = await mustRun(docker, listing, [`${volume}:/v:ro`]);
  });

  it("archives a volume into the agent's backup directory, reporting progress, done once read back", async () => {
    const reports: BackupProgress[] = [];
    manifest = await backup(reports);
    expect(manifest.volume).toBe(volume);
    const phases = [...new Set(reports.map((report) => report.phase))];
    expect(phases[0]).toBe("preparing");
    expect(phases).toContain("archiving");
    const archiving = reports
      .filter((report) => report.phase === "archiving")
      .map((report) => report.tarBytes);
    expect(archiving).toEqual([...archiving].sort((a, b) => a - b));
    expect(reports.find((report) => report.phase === "preparing")?.volumeBytes).toBeGreaterThan(
      8 * 1024 * 1024,
    );

    const files = await readdir(backupDir());
    expect(files.sort()).toEqual([manifest.archive, `${manifest.archive}.json`].sort());
    const bytes = await readFile(join(backupDir(), manifest.archive));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(manifest.sha256);
    expect(bytes.length).toBe(manifest.bytes);
    const onDisk = JSON.parse(await readFile(join(backupDir(), `${manifest.archive}.json`), "utf8"));
    expect(onDisk).toEqual(manifest);
  });

  it("restores it into a new volume, checking the sha256 first", async () => {
    const target = testName("restored");
    const reports: RestoreProgress[] = [];
    const restored = await link.call(
      agent.hostId,
      "volume.restore",
      { volume: target, archive: manifest.archive, sha256: manifest.sha256, create: { labels: suiteLabels } },
      { onProgress: (p) => reports.push(p) },
    );
    expect(restored).toMatchObject({ volume: target, created: true, tarBytes: manifest.tarBytes });
    expect(await mustRun(docker, listing, [`${target}:/v:ro`])).toBe(before);
    expect(reports[0]).toMatchObject({ phase: "verifying", bytes: 0, totalBytes: manifest.bytes });
    for (const phase of ["verifying", "restoring"]) {
      const bytes = reports.filter((report) => report.phase === phase).map((report) => report.bytes);
      expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    }
  });

  it("refuses an archive whose sha256 does not match, touching nothing", async () => {
    const target = testName("never");
    const error = await caught(
      link.call(agent.hostId, "volume.restore", {
        volume: target,
        archive: manifest.archive,
        sha256: "0".repeat(64),
      }),
    );
    expect(error).toMatchObject({ code: "docker", dockerCode: "invalid_spec" });
    expect(error.message).toMatch(/does not match its sha256/);
    const volumes = await docker.docker.listVolumes({ filters: { name: [target] } });
    expect(volumes.Volumes ?? []).toEqual([]);
  });

  it("refuses an archive that is not in the backup directory, and a path for a name", async () => {
    const missing = await caught(
      link.call(agent.hostId, "volume.restore", {
        volume,
        archive: "nothing-here.tar.gz",
        sha256: "0".repeat(64),
      }),
    );
    expect(missing).toMatchObject({ code: "docker", dockerCode: "not_found" });
    const traversal = await caught(
      link.call(agent.hostId, "volume.restore", {
        volume,
        archive: "../credential.json.tar.gz",
        sha256: "0".repeat(64),
      }),
    );
    expect(traversal.code).toBe("invalid");
    expect(traversal.message).toMatch(/archive/);
  });

  it("leaves no archive behind when a backup fails", async () => {
    const error = await caught(link.call(agent.hostId, "volume.backup", { volume: testName("missing") }));
    expect(error).toMatchObject({ code: "docker", dockerCode: "not_found" });
    expect((await readdir(backupDir())).sort()).toEqual(
      [manifest.archive, `${manifest.archive}.json`].sort(),
    );
  });
});
