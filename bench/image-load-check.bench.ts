/**
 * What checking an archive whole costs a load: `loadImages` (the tar walk, the marker held back)
 * against dockerode's bare `loadImage` of the same `docker save` archive of a ~64 MiB image, in
 * alternating rounds of the same run, plus the walk alone over the file (no Engine) for its own
 * throughput. Every load is checked by the image id it brings back.
 */
import { execFile } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { connect } from "../packages/runtime/src/client.ts";
import { loadImages } from "../packages/runtime/src/images.ts";
import { TarWalker } from "../packages/runtime/src/tar-walker.ts";
import { benchRun, mib, round } from "./agent-kit.ts";
import { median, timed, writeResult } from "./runtime-kit.ts";

const imageMiB = Number(process.env.BENCH_IMAGE_MIB ?? 64);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const image = `local/dftest-bench-load-${benchRun}:1`;
const run = promisify(execFile);
const client = await connect();

const imageId = () =>
  client.docker
    .getImage(image)
    .inspect()
    .then((details) => details.Id);

/** The Engine's load without the runtime's check: what loadImages did before it. */
async function bareLoad(file: string): Promise<void> {
  const response = (await client.docker.loadImage(createReadStream(file), { quiet: true })) as Readable;
  for await (const _ of response) {
    // drained: the Engine has answered once its body ends
  }
}

async function walkOnly(file: string): Promise<void> {
  const walker = new TarWalker();
  for await (const chunk of createReadStream(file)) walker.push(chunk as Buffer);
  walker.finish();
}

const scratch = await mkdtemp(join(tmpdir(), "dftest-bench-load-"));
const archive = join(scratch, "image.tar");
let made: string | undefined;
try {
  // One layer of random bytes, so that nothing along the way can shrink it.
  await run("sh", [
    "-c",
    `head -c ${imageMiB * 1024 * 1024} /dev/urandom > ${scratch}/random && tar -C ${scratch} -c random | docker import --change 'LABEL dockfleet.test=1' - ${image} && docker save -o ${archive} ${image}`,
  ]);
  made = await imageId();
  const tarBytes = (await stat(archive)).size;
  const checked: number[] = [];
  const bare: number[] = [];
  const walk: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const pair: Array<[number[], () => Promise<unknown>]> = [
      [bare, () => bareLoad(archive)],
      [checked, () => loadImages(client, createReadStream(archive))],
    ];
    // Each goes first in every other round: the first load after a remove may pay for it.
    for (const [times, load] of r % 2 ? [...pair].reverse() : pair) {
      await client.docker.getImage(image).remove({ force: true });
      times.push((await timed(load)).ms);
      if ((await imageId()) !== made) throw new Error("the load brought another image back");
    }
    walk.push((await timed(() => walkOnly(archive))).ms);
  }
  const result = {
    run: benchRun,
    imageMiB,
    tarBytes,
    rounds,
    bareLoadMs: Math.round(median(bare)),
    checkedLoadMs: Math.round(median(checked)),
    ratio: round(median(checked) / median(bare), 2),
    walkOnlyMs: Math.round(median(walk)),
    walkMiBps: Math.round(mib(tarBytes) / (median(walk) / 1000)),
  };
  await writeResult("image-load-check", result);
  console.log(
    `a ${mib(tarBytes)} MiB image archive: loadImages with the whole-archive check ${result.checkedLoadMs} ms vs the bare Engine load ${result.bareLoadMs} ms (${result.ratio}×, medians of ${rounds}); ` +
      `the walk alone ${result.walkOnlyMs} ms (${result.walkMiBps} MiB/s)`,
  );
} finally {
  // By its name, unique to this run: only what this bench made.
  if (made) await run("docker", ["rmi", "-f", image]).catch(() => undefined);
  await rm(scratch, { recursive: true, force: true });
}
