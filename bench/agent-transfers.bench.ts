/**
 * Bulk bytes through the link: an image of ~64 MiB of random bytes saved out (`image.save`) and
 * loaded back (`image.load` through uploadThroughStream) against `docker save | wc -c` and `docker
 * load` of the same image, measured in the same run, and the agent's peak RSS during each (the
 * kernel's high-water mark, reset before each) against its RSS idle. The agent must not hold an
 * archive: its peak may not grow with the image. Every save is checked whole against its sha256,
 * every load by the image id it brings back.
 */

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { uploadThroughStream } from "../apps/web/src/server/link/upload.ts";
import { connect } from "../packages/runtime/src/client.ts";
import { commitContainer } from "../packages/runtime/src/images.ts";
import { testImage, testLabels } from "../packages/runtime/src/testing.ts";
import {
  agentBundleVersion,
  benchRun,
  mib,
  procMemory,
  resetPeak,
  round,
  startBenchAgent,
  startBenchFleet,
} from "./agent-kit.ts";
import { median, timed, writeResult } from "./runtime-kit.ts";

const imageMiB = Number(process.env.BENCH_IMAGE_MIB ?? 64);
/** Pieces of 256 KiB an upload keeps unacknowledged (uploadThroughStream's default: 4). */
const uploadWindow = Number(process.env.BENCH_UPLOAD_WINDOW ?? 4);
const image = `local/dftest-bench-xfer-${benchRun}:1`;
const run = promisify(execFile);

const client = await connect();

/** A labelled image whose one layer is `imageMiB` of /dev/urandom; answers its id. */
async function makeImage(): Promise<string> {
  const container = await client.docker.createContainer({
    name: `dftest-bench-xfer-${benchRun}`,
    Image: testImage,
    Cmd: ["sh", "-c", `head -c ${imageMiB * 1024 * 1024} /dev/urandom > /random`],
    Labels: { ...testLabels },
    HostConfig: { NetworkMode: "none" },
  });
  try {
    await container.start();
    await container.wait();
    const changes = Object.entries(testLabels).map(([key, value]) => `LABEL ${key}=${value}`);
    return await commitContainer(client, { container: container.id, ref: image, changes });
  } finally {
    await container.remove({ force: true });
  }
}

const removeImage = () => client.docker.getImage(image).remove({ force: true });
const imageId = () =>
  client.docker
    .getImage(image)
    .inspect()
    .then((details) => details.Id);

/** Writes the stream's pieces to `file`, hashed on the way, as a console would keep them. */
async function saveThroughLink(hostId: string, file: string): Promise<number> {
  const stream = fleet.link.stream(hostId, "image.save", { images: [image] });
  const out = createWriteStream(file);
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream) {
    for (const item of chunk.items) {
      const piece = item.data;
      hash.update(piece);
      bytes += piece.byteLength;
      if (!out.write(piece)) await once(out, "drain");
    }
  }
  await new Promise<void>((resolve) => out.end(resolve));
  const result = await stream.result;
  if (result.bytes !== bytes || result.sha256 !== hash.digest("hex"))
    throw new Error(`the archive did not arrive whole: ${bytes} bytes, the agent sent ${result.bytes}`);
  return bytes;
}

/**
 * Runs `work` against a fresh agent (so that neither transfer sees what the other left in its
 * heap): its idle RSS, then its peak while the work runs, and the work's time.
 */
async function onFreshAgent<T>(what: string, work: (hostId: string) => Promise<T>) {
  const agent = await startBenchAgent(fleet, what);
  try {
    await sleep(5000); // past the hello and its facts
    const idle: number[] = [];
    for (let s = 0; s < 5; s++) {
      idle.push(procMemory(agent.pid).rss);
      await sleep(1000);
    }
    resetPeak(agent.pid);
    const { ms, value } = await timed(() => work(agent.hostId));
    return { ms, value, idleRss: median(idle), peak: procMemory(agent.pid).peak };
  } finally {
    await agent.stop();
  }
}

const fleet = await startBenchFleet();
const scratch = await mkdtemp(join(tmpdir(), "dftest-bench-xfer-"));
const archive = join(scratch, "image.tar");
let made: string | undefined;
try {
  made = await makeImage();
  const dockerSave = await timed(() => run("sh", ["-c", `docker save ${image} | wc -c`]));
  const save = await onFreshAgent("save", (hostId) => saveThroughLink(hostId, archive));

  await removeImage();
  const dockerLoad = await timed(() => run("docker", ["load", "-i", archive]));
  if ((await imageId()) !== made) throw new Error("docker load brought another image back");
  await removeImage();
  const load = await onFreshAgent("load", (hostId) =>
    uploadThroughStream(fleet.link.stream(hostId, "image.load", {}), createReadStream(archive), {
      window: uploadWindow,
    }),
  );
  if ((await imageId()) !== made)
    throw new Error(`image.load brought another image back: ${load.value.images}`);

  const phase = (measured: typeof save | typeof load, baselineMs: number) => ({
    ms: Math.round(measured.ms),
    vsDocker: round(measured.ms / baselineMs, 2),
    idleRssMiB: mib(measured.idleRss),
    peakMiB: mib(measured.peak),
    deltaMB: round((measured.peak - measured.idleRss) / 1e6),
    peakVsIdle: round(measured.peak / measured.idleRss, 2),
  });
  const result = {
    run: benchRun,
    agentBundle: agentBundleVersion(),
    imageMiB,
    tarBytes: save.value,
    dockerSaveMs: Math.round(dockerSave.ms),
    save: phase(save, dockerSave.ms),
    dockerLoadMs: Math.round(dockerLoad.ms),
    uploadWindow,
    load: phase(load, dockerLoad.ms),
  };
  await writeResult("agent-transfers", result);
  const line = (name: string, p: ReturnType<typeof phase>, baseline: string, baselineMs: number) =>
    `${name} ${p.ms} ms (${p.vsDocker}× ${baseline}'s ${baselineMs} ms), agent RSS idle ${p.idleRssMiB} MiB, ` +
    `peak ${p.peakMiB} MiB (${p.peakVsIdle}× idle, +${p.deltaMB} MB)`;
  console.log(
    `a ${mib(save.value)} MiB image archive: ${line("image.save", result.save, "docker save | wc -c", result.dockerSaveMs)}; ` +
      line("image.load", result.load, "docker load", result.dockerLoadMs),
  );
} finally {
  if (made)
    await client.docker
      .getImage(made)
      .remove({ force: true })
      .catch(() => undefined);
  await rm(scratch, { recursive: true, force: true });
  await fleet.stop();
}
