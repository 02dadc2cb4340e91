/** container.* commands: list, inspect, create, lifecycle, limits, processes, wait and commit (files: container-files.ts). */
import { execOutputLimitBytes } from "@dockfleet/protocol";
import {
  commitContainer,
  createContainer,
  createStatsSampler,
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
  waitContainer,
} from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

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
  "container.wait": async (ctx, input, signal) => ({
    exitCode: await waitContainer(await ctx.docker(), input.containerId, { signal }),
  }),
  "container.commit": async (ctx, { containerId, ...spec }) => ({
    imageId: await commitContainer(await ctx.docker(), { container: containerId, ...spec }),
  }),
} satisfies Partial<Handlers>;
