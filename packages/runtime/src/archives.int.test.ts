import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";

import { mkdtemp, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import tar from "tar-stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { helperVolumeLabel } from "./archive-helper.ts";
import {
  backupVolume,
  ensureHelperImage,
  getVolumeArchive,
  helperImage,
  helperLabel,
  putVolumeArchive,
  restoreVolume,
} from "./archives.ts";
import type { DockerClient } from "./client.ts";
import { isRuntimeError } from "./errors.ts";
import { mustRun, removeSuiteResources, startSleeper, suiteLabels } from "./run-testing.ts";
import { testClient, testName } from "./testing.ts";
import { createVolume, inspectVolume } from "./volumes.ts";

let client: DockerClient;
let dir: string;
let helperImageExisted = true;

/** Files with modes, owners, symlinks, a hard link, nested and odd names, an empty file and 20 MB of noise. */
const populate = `cd /v && mkdir -p a/b/c deep/x/y/z 'with space' sticky
echo hello > a/b/c/file.txt && chmod 600 a/b/c/file.txt && chown 1000:1000 a/b/c/file.txt
printf '#!/bin/sh\\necho hi\\n' > run.sh && chmod 755 run.sh
touch empty && chmod 640 empty
chmod 1777 sticky && chmod 750 deep/x
ln -s a/b/c/file.txt rel-link && ln -s /etc/passwd abs-link && ln -s missing dangling
ln a/b/c/file.txt hardlink
echo sp > 'with space/ü-file'
dd if=/dev/urandom of=deep/x/y/z/big.bin bs=1M count=20 2>/dev/null
touch -d '2001-02-03 04:05:06' run.sh
chown 5:6 /v && chmod 701 /v && touch -d '2002-03-04 05:06:07' /v`;

/** Everything that must survive a round trip: names, types, modes, owners, sizes, mtimes, link targets, contents. */
const listing = `cd /v && find . -exec stat -c '%n|%F|%a|%u:%g|%s|%h|%Y' {} + | sort
find . -type l | sort | while read -r l; do echo "$l -> $(readlink "$l")"; done
find . -type f -exec sha256sum {} + | sort`;

async function volumeWith(script: string): Promise<string> {
  const name = testName("vol");
  await createVolume(client, { name, labels: suiteLabels });
  if (script) await mustRun(client, script, [`${name}:/v`]);
  return name;
}

const list = (volume: string) => mustRun(client, listing, [`${volume}:/v:ro`]);

async function leftoverHelpers(): Promise<string[]> {
  const helpers = await client.docker.listContainers({ all: true, filters: { label: [helperLabel] } });
  return helpers.filter((h) => h.Labels[helperVolumeLabel]?.startsWith("dftest-")).map((h) => h.Id);
}

async function exists(volume: string): Promise<boolean> {
  return inspectVolume(client, volume).then(
    () => true,
    () => false,
  );
}

async function running(id: string): Promise<boolean> {
  return (await client.docker.getContainer(id).inspect()).State.Running;
}

beforeAll(async () => {
  client = await testClient();
  dir = await mkdtemp(join(tmpdir(), "dftest-archives-"));
  helperImageExisted = await client.docker
    .getImage(helperImage)
    .inspect()
    .then(
      () => true,
      () => false,
    );
});

afterEach(async () => {
  expect(await leftoverHelpers()).toEqual([]);
});

afterAll(async () => {
  await removeSuiteResources(client);
  await rm(dir, { recursive: true, force: true });
  // The helper image is the runtime's own; remove it only if this run made it.
  if (!helperImageExisted) await client.docker.getImage(helperImage).remove();
});

describe("volume archives", () => {
  it("round-trips a volume through backup and restore into a new volume, byte for byte", async () => {
    const source = await volumeWith(populate);
    const file = join(dir, "roundtrip.tar.gz");
    const backup = await backupVolume(client, source, createWriteStream(file));
    expect(backup.bytes).toBe((await stat(file)).size);
    expect(backup.tarBytes).toBeGreaterThan(20 * 1024 * 1024);
    expect(backup.sha256).toMatch(/^[0-9a-f]{64}$/);

    const target = testName("vol");
    const restored = await restoreVolume(client, target, () => createReadStream(file), backup, {
      create: { labels: suiteLabels },
    });
    expect(restored).toMatchObject({
      volume: target,
      created: true,
      cleared: false,
      tarBytes: backup.tarBytes,
    });
    const [before, after] = await Promise.all([list(source), list(target)]);
    expect(after).toBe(before);
    expect(before).toContain("./a/b/c/file.txt|regular file|600|1000:1000|6|2|");
    expect(before).toContain("./sticky|directory|1777|");
    expect(before).toContain("./rel-link -> a/b/c/file.txt");
    expect(before).toContain(".|directory|701|5:6|");
  });

  it("streams a plain tar with entries relative to the volume root", async () => {
    const volume = await volumeWith("mkdir /v/d && echo x > /v/d/f && touch /v/e");
    const names: string[] = [];
    const extract = tar.extract();
    extract.on("entry", (header, stream, next) => {
      names.push(header.name);
      stream.resume();
      stream.on("end", next);
    });
    const result = await getVolumeArchive(client, volume, extract as unknown as Writable);
    expect(names.sort()).toEqual(["./", "./d/", "./d/f", "./e"]);
    expect(result.tarBytes).toBeGreaterThan(0);
  });

  it("gives not_found for a missing volume and creates nothing", async () => {
    const missing = testName("missing");
    const error = await backupVolume(client, missing, devNull()).catch((e: unknown) => e);
    expect(isRuntimeError(error, "not_found")).toBe(true);
    expect(await exists(missing)).toBe(false);
  });

  it("gives not_found when the volume vanishes mid-backup (compose down -v), and leaves no helper", async () => {
    const volume = await volumeWith("echo x > /v/f");
    await startSleeper(client, [`${volume}:/data`]);
    // The backup waits up to 60 s for its user to stop; meanwhile everything is taken down.
    const backup = backupVolume(client, volume, devNull(), { stopContainers: true, stopTimeoutSeconds: 60 });
    const outcome = backup.catch((e: unknown) => e);
    while ((await helpersOf(volume)).length === 0) await pause(20);
    await composeDown(volume);
    const error = await outcome;
    expect(isRuntimeError(error, "not_found")).toBe(true);
    expect((error as Error).message).toContain("vanished");
    expect(await exists(volume)).toBe(false);
  });

  it("stops the volume's running users for the backup and restarts them, also on failure", async () => {
    const volume = await volumeWith("echo data > /v/f");
    const user = await startSleeper(client, [`${volume}:/data`]);
    let runningDuring: boolean | undefined;
    const sink = new Writable({
      write(_chunk, _encoding, done) {
        if (runningDuring !== undefined) return done();
        void running(user).then((r) => {
          runningDuring = r;
          done();
        }, done);
      },
    });
    const ok = await backupVolume(client, volume, sink, { stopContainers: true, stopTimeoutSeconds: 1 });
    expect(runningDuring).toBe(false);
    expect(ok.stoppedContainers).toEqual([user]);
    expect(await running(user)).toBe(true);

    const broken = new Writable({ write: (_c, _e, done) => done(new Error("disk full")) });
    const error = await backupVolume(client, volume, broken, {
      stopContainers: true,
      stopTimeoutSeconds: 1,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toContain("disk full");
    expect(await running(user)).toBe(true);
  });

  it("refuses to stop a --rm container instead of destroying it", async () => {
    const volume = await volumeWith("");
    const user = await startSleeper(client, [`${volume}:/data`], { autoRemove: true });
    const error = await backupVolume(client, volume, devNull(), { stopContainers: true }).catch(
      (e: unknown) => e,
    );
    expect(isRuntimeError(error, "conflict")).toBe(true);
    expect(await running(user)).toBe(true);
  });

  it("refuses an existing target by default, merges or clears it when asked", async () => {
    const source = await volumeWith("echo new > /v/kept");
    const file = join(dir, "merge.tar.gz");
    const backup = await backupVolume(client, source, createWriteStream(file));
    const open = () => createReadStream(file);

    const target = await volumeWith("echo old > /v/stray");
    const refused = await restoreVolume(client, target, open, backup).catch((e: unknown) => e);
    expect(isRuntimeError(refused, "conflict")).toBe(true);

    await restoreVolume(client, target, open, backup, { existing: "merge" });
    expect(await mustRun(client, "ls -1 /v", [`${target}:/v`])).toBe("kept\nstray\n");

    // Unused: cleared by recreating it, labels kept.
    const cleared = await restoreVolume(client, target, open, backup, { existing: "clear" });
    expect(cleared.cleared).toBe(true);
    expect(await mustRun(client, "ls -1 /v", [`${target}:/v`])).toBe("kept\n");
    expect((await inspectVolume(client, target)).labels).toEqual(suiteLabels);

    // Used by a (stopped) container: emptied in place through the host's directory.
    await mustRun(client, "echo old > /v/stray", [`${target}:/v`]);
    const user = await startSleeper(client, [`${target}:/data`]);
    await client.docker.getContainer(user).stop({ t: 1 });
    await restoreVolume(client, target, open, backup, { existing: "clear" });
    expect(await mustRun(client, "ls -1 /v", [`${target}:/v`])).toBe("kept\n");
  });

  it("checks the sha256 before touching anything, and removes a half-restored new volume", async () => {
    const source = await volumeWith("dd if=/dev/urandom of=/v/blob bs=1M count=4 2>/dev/null");
    const file = join(dir, "corrupt.tar.gz");
    const backup = await backupVolume(client, source, createWriteStream(file));
    const open = () => createReadStream(file);

    const target = testName("vol");
    const mismatch = await restoreVolume(client, target, open, { sha256: "0".repeat(64) }).catch(
      (e: unknown) => e,
    );
    expect(isRuntimeError(mismatch, "invalid_spec")).toBe(true);
    expect(await exists(target)).toBe(false);

    // A truncated archive whose hash is "right" (the manifest was written for the truncated file).
    await truncate(file, Math.floor(backup.bytes / 2));
    const { sha256 } = await import("./archive-digest.ts").then((m) => m.hashStream(open()));
    const truncated = await restoreVolume(client, target, open, { sha256 }).catch((e: unknown) => e);
    expect(isRuntimeError(truncated)).toBe(true);
    expect(await exists(target)).toBe(false);
  });

  it("cancels a backup with its AbortSignal, leaving no helper", async () => {
    const volume = await volumeWith("dd if=/dev/urandom of=/v/blob bs=1M count=16 2>/dev/null");
    const controller = new AbortController();
    const sink = new Writable({
      write(_chunk, _encoding, done) {
        controller.abort();
        done();
      },
    });
    const error = await backupVolume(client, volume, sink, { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(isRuntimeError(error, "aborted")).toBe(true);
  });

  it("runs backups of several volumes at once", async () => {
    const volumes = await Promise.all([1, 2, 3].map((n) => volumeWith(`echo ${n} > /v/n`)));
    const results = await Promise.all(volumes.map((v) => backupVolume(client, v, devNull())));
    expect(new Set(results.map((r) => r.tarSha256)).size).toBe(3);
  });

  it("imports the helper image once however many ask at the same time, labelled, with no dangling copies", async () => {
    const ref = `${testName("helper")}:1`;
    const dangling = async () =>
      (await client.docker.listImages({ filters: { label: [helperLabel], dangling: ["true"] } })).length;
    const before = await dangling();
    try {
      await Promise.all([1, 2, 3, 4].map(() => ensureHelperImage(client, ref)));
      const image = await client.docker.getImage(ref).inspect();
      expect(image.Config.Labels).toMatchObject({ [helperLabel]: "volume-archive" });
      expect(image.Size).toBe(0);
      expect(await dangling()).toBe(before);
    } finally {
      await client.docker.getImage(ref).remove();
    }
  });

  it("refuses a source that is not a tar as invalid_spec, and removes the new volume", async () => {
    const target = testName("vol");
    const junk = Readable.from([randomBytes(1024 * 1024)]);
    const error = await putVolumeArchive(client, target, junk, { create: { labels: suiteLabels } }).catch(
      (e: unknown) => e,
    );
    expect(isRuntimeError(error, "invalid_spec")).toBe(true);
    expect(await exists(target)).toBe(false);
  });

  it("puts a plain tar into a new volume", async () => {
    const source = await volumeWith("mkdir -p /v/x && echo 1 > /v/x/one");
    const file = join(dir, "plain.tar");
    await getVolumeArchive(client, source, createWriteStream(file));
    const target = testName("vol");
    const result = await putVolumeArchive(client, target, createReadStream(file), {
      create: { labels: suiteLabels },
    });
    expect(result.created).toBe(true);
    expect(await list(target)).toBe(await list(source));
  });
});

function devNull(): Writable {
  return new Writable({ write: (_c, _e, done) => done() });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function helpersOf(volume: string): Promise<string[]> {
  const helpers = await client.docker.listContainers({
    all: true,
    filters: { label: [`${helperVolumeLabel}=${volume}`] },
  });
  return helpers.map((h) => h.Id);
}

/** What `docker compose down -v` does to a volume: its containers go (the helper too), then the volume. */
async function composeDown(volume: string): Promise<void> {
  for (const id of await helpersOf(volume)) await client.docker.getContainer(id).remove({ force: true });
  const users = await client.docker.listContainers({ all: true, filters: { volume: [volume] } });
  for (const u of users) await client.docker.getContainer(u.Id).remove({ force: true });
  await client.docker.getVolume(volume).remove();
}
