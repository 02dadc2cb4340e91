/**
 * Backup and restore of a volume of mixed files (many small, some large, semi-compressible), gzip:
 * our backupVolume vs `tar -cz` of the volume's directory, and our restore vs `tar -xz` into a fresh
 * volume's directory, same host, same run. SIZE (e.g. 256M, 1G; default 1G) sets the volume size,
 * RUNS (default 1) repeats each measurement and takes the median.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createGunzip } from "node:zlib";
import {
  backupVolume,
  putVolumeArchive,
  restoreVolume,
  type VolumeBackupResult,
} from "../packages/runtime/src/archives.ts";
import { connect, type DockerClient } from "../packages/runtime/src/client.ts";
import { createVolume, removeVolume } from "../packages/runtime/src/volumes.ts";
import { median, timed, writeResult } from "./runtime-kit.ts";

const run = promisify(execFile);
const size = parseSize(process.env.SIZE ?? "1G");
const runs = Number(process.env.RUNS ?? 1);
const runId = randomBytes(3).toString("hex");
const labels = { "dockfleet.bench": runId };

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(text.trim());
  if (!match) throw new Error(`SIZE "${text}" is not a size like 256M or 1G`);
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(match[2] ?? "").toUpperCase()] ?? 1;
  return Math.round(Number(match[1]) * unit);
}

/** Half noise, half log-like text per 64 KiB block: gzip gets it to roughly 55 %, like real data. */
function semiCompressible(bytes: number, seed: number): Buffer {
  const block = 64 * 1024;
  const parts: Buffer[] = [];
  for (let at = 0, n = seed; at < bytes; at += block, n++) {
    const len = Math.min(block, bytes - at);
    const noise = randomBytes(Math.floor(len / 2));
    const line = `${new Date(1_700_000_000_000 + n * 1000).toISOString()} INFO worker-${n % 17} handled request ${n} in ${n % 977} ms\n`;
    const text = Buffer.from(line.repeat(Math.ceil((len - noise.length) / line.length))).subarray(
      0,
      len - noise.length,
    );
    parts.push(noise, text);
  }
  return Buffer.concat(parts);
}

/** 30 % of the bytes in small files (1–32 KiB) across nested dirs, 70 % in files of up to 128 MiB. */
async function fill(dir: string, bytes: number): Promise<{ files: number }> {
  let files = 0;
  let small = Math.floor(bytes * 0.3);
  for (let i = 0; small > 0; i++) {
    const sub = join(dir, "small", `d${i % 64}`, `e${i % 7}`);
    if (i < 64 * 7) await mkdir(sub, { recursive: true });
    const len = Math.min(small, 1024 + ((i * 7919) % (31 * 1024)));
    await writeFile(join(sub, `f${i}.log`), semiCompressible(len, i));
    small -= len;
    files++;
  }
  let large = bytes - Math.floor(bytes * 0.3);
  await mkdir(join(dir, "large"), { recursive: true });
  for (let i = 0; large > 0; i++) {
    const len = Math.min(large, 128 * 1024 ** 2);
    const out = createWriteStream(join(dir, "large", `blob${i}.bin`));
    for (let at = 0; at < len; at += 8 * 1024 ** 2) {
      if (!out.write(semiCompressible(Math.min(8 * 1024 ** 2, len - at), i * 1000 + at))) {
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      }
    }
    await new Promise<void>((resolve, reject) =>
      out.end(() => (out.errored ? reject(out.errored) : resolve())),
    );
    large -= len;
    files++;
  }
  return { files };
}

async function mountpoint(client: DockerClient, volume: string): Promise<string> {
  return (await client.docker.getVolume(volume).inspect()).Mountpoint;
}

/** A fresh empty volume for one restore, removed right after. */
async function withTarget<T>(client: DockerClient, work: (name: string) => Promise<T>): Promise<T> {
  const name = `dftest-bench-${runId}-restore-${randomBytes(2).toString("hex")}`;
  await createVolume(client, { name, labels });
  try {
    return await work(name);
  } finally {
    await removeVolume(client, name, { force: true });
  }
}

/** Times one step after flushing earlier writes, so no step pays for the one before it. */
async function step(work: () => Promise<unknown>): Promise<number> {
  await run("sync");
  return (await timed(work)).ms;
}

const client = await connect();
const source = `dftest-bench-${runId}-backup`;
const dir = await mkdtemp(join(tmpdir(), "dftest-bench-backup-"));
await createVolume(client, { name: source, labels });
try {
  const sourceDir = await mountpoint(client, source);
  const { files } = await fill(sourceDir, size);
  const oursFile = join(dir, "ours.tar.gz");
  const tarFile = join(dir, "tar.tar.gz");
  const times = {
    backup: [] as number[],
    tarCz: [] as number[],
    restore: [] as number[],
    verified: [] as number[],
    tarXz: [] as number[],
  };
  let backup: VolumeBackupResult | undefined;
  for (let i = 0; i < runs; i++) {
    times.tarCz.push(await step(() => run("tar", ["-cz", "-C", sourceDir, "-f", tarFile, "."])));
    times.backup.push(
      await step(async () => {
        backup = await backupVolume(client, source, createWriteStream(oursFile));
      }),
    );
    const manifest = backup as VolumeBackupResult;
    times.tarXz.push(
      await withTarget(client, async (t) => {
        const target = await mountpoint(client, t);
        return step(() => run("tar", ["-xz", "-C", target, "-f", tarFile]));
      }),
    );
    times.restore.push(
      await withTarget(client, (t) =>
        step(() =>
          putVolumeArchive(client, t, createReadStream(oursFile).pipe(createGunzip()), { existing: "merge" }),
        ),
      ),
    );
    times.verified.push(
      await withTarget(client, (t) =>
        step(() =>
          restoreVolume(client, t, () => createReadStream(oursFile), manifest, { existing: "merge" }),
        ),
      ),
    );
  }
  const ms = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v))])) as Record<
    keyof typeof times,
    number
  >;
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  const result = {
    sizeBytes: size,
    files,
    runs,
    backupMs: ms.backup,
    tarCzMs: ms.tarCz,
    backupVsTarCz: ratio(ms.backup, ms.tarCz),
    oursGzipBytes: backup?.bytes,
    tarCzBytes: (await stat(tarFile)).size,
    restoreMs: ms.restore,
    restoreVerifiedMs: ms.verified,
    tarXzMs: ms.tarXz,
    restoreVsTarXz: ratio(ms.restore, ms.tarXz),
    restoreVerifiedVsTarXz: ratio(ms.verified, ms.tarXz),
  };
  await writeResult("backup", result);
  const mib = (size / 1024 ** 2).toFixed(0);
  console.log(
    `backup of ${mib} MiB (${files} files), gzip: ours ${ms.backup} ms vs tar -cz ${ms.tarCz} ms → ${result.backupVsTarCz}× its time`,
  );
  console.log(
    `restore: ours ${ms.restore} ms (${ms.verified} ms with the sha256 verify pass) vs tar -xz ${ms.tarXz} ms → ${result.restoreVsTarXz}× (${result.restoreVerifiedVsTarXz}× verified)`,
  );
} finally {
  await removeVolume(client, source, { force: true }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
