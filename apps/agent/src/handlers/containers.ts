/** container.* commands: list, inspect and lifecycle of this host's containers. */
import { execOutputLimitBytes } from "@dockfleet/protocol";
import {
  execRun,
  inspectContainer,
  killContainer,
  listContainers,
  pauseContainer,
  removeContainer,
  restartContainer,
  startContainer,
  stopContainer,
  unpauseContainer,
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
} satisfies Partial<Handlers>;
