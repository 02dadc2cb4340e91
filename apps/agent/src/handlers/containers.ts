/** container.* commands: list, inspect, create, lifecycle, limits, processes and files of this host's containers. */
import { Readable } from "node:stream";
import { execOutputLimitBytes, fileArchiveLimitBytes, LinkError } from "@dockfleet/protocol";
import {
  copyFromContainer,
  copyToContainer,
  createContainer,
  createStatsSampler,
  type DockerClient,
  execRun,
  inspectContainer,
  killContainer,
  listContainers,
  pauseContainer,
  removeContainer,
  renameContainer,
  restartContainer,
  startContainer,
  stopContainer,
  topContainer,
  unpauseContainer,
  updateContainer,
} from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

const limitMiB = fileArchiveLimitBytes / 1024 / 1024;
/** Go's os.ModeDir, the top bit of the Engine's path stat mode. */
const goModeDir = 2 ** 31;
const tooLarge = (path: string) =>
  new LinkError(
    "invalid",
    `"${path}" is too large: its tar archive is over ${limitMiB} MiB, the most one copy carries`,
  );

/** The path's tar archive, read whole: refused as soon as it passes the limit, before it is all in memory. */
async function readArchive(client: DockerClient, containerId: string, path: string, signal: AbortSignal) {
  const { stat, archive } = await copyFromContainer(client, containerId, path, signal);
  // A file's size is known up front; a directory's is not (its contents are), the count below catches it.
  const directory = stat !== undefined && (stat.mode & goModeDir) !== 0;
  if (stat && !directory && stat.size > fileArchiveLimitBytes) {
    archive.destroy();
    throw tooLarge(path);
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of archive as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > fileArchiveLimitBytes) throw tooLarge(path);
    chunks.push(chunk);
  }
  return { stat: stat ?? null, archiveBase64: Buffer.concat(chunks).toString("base64") };
}

export const containerHandlers = {
  "container.list": async (ctx, input) => listContainers(await ctx.docker(), input),
  "container.inspect": async (ctx, input) =>
    inspectContainer(await ctx.docker(), input.containerId, { size: input.size }),
  "container.start": async (ctx, input) => {
    await startContainer(await ctx.docker(), input.containerId);
    return null;
  },
  "container.stop": async (ctx, input) => {
    await stopContainer(await ctx.docker(), input.containerId, { timeoutSeconds: input.timeoutSeconds });
    return null;
  },
  "container.restart": async (ctx, input) => {
    await restartContainer(await ctx.docker(), input.containerId, { timeoutSeconds: input.timeoutSeconds });
    return null;
  },
  "container.kill": async (ctx, input) => {
    await killContainer(await ctx.docker(), input.containerId, { signal: input.signal });
    return null;
  },
  "container.pause": async (ctx, input) => {
    await pauseContainer(await ctx.docker(), input.containerId);
    return null;
  },
  "container.unpause": async (ctx, input) => {
    await unpauseContainer(await ctx.docker(), input.containerId);
    return null;
  },
  "container.exec": async (ctx, input, signal) =>
    execRun(
      await ctx.docker(),
      input.containerId,
      {
        cmd: input.cmd,
        env: input.env,
        user: input.user,
        workingDir: input.workingDir,
        stdin: input.stdin,
        maxOutputBytes: execOutputLimitBytes,
      },
      signal,
    ),
  "container.remove": async (ctx, input) => {
    await removeContainer(await ctx.docker(), input.containerId, {
      force: input.force,
      volumes: input.volumes,
    });
    return null;
  },
  "container.create": async (ctx, input) => createContainer(await ctx.docker(), input),
  "container.update": async (ctx, { containerId, ...update }) =>
    updateContainer(await ctx.docker(), containerId, update),
  "container.rename": async (ctx, input) => {
    await renameContainer(await ctx.docker(), input.containerId, input.name);
    return null;
  },
  "container.top": async (ctx, input) => topContainer(await ctx.docker(), input.containerId, input.psArgs),
  "container.stats": async (ctx, input, signal) =>
    createStatsSampler(await ctx.docker()).sample(input.containerId, signal),
  "container.files.read": async (ctx, input, signal) =>
    readArchive(await ctx.docker(), input.containerId, input.path, signal),
  "container.files.write": async (ctx, input, signal) => {
    const archive = Readable.from([Buffer.from(input.archiveBase64, "base64")]);
    await copyToContainer(await ctx.docker(), input.containerId, input.path, archive, {
      noOverwriteDirNonDir: input.noOverwriteDirNonDir,
      signal,
    });
    return null;
  },
} satisfies Partial<Handlers>;
