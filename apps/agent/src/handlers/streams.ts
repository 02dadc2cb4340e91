/** logs.follow, stats.follow, events.follow: runtime readers handed to the link as item streams. */
import type { StreamItem } from "@dockfleet/protocol";
import { containerLogs, createStatsSampler, engineEvents } from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

export const streamHandlers = {
  "logs.follow": async (ctx, input, signal) => {
    const reader = containerLogs(
      await ctx.docker(),
      input.containerId,
      {
        follow: input.follow,
        tail: input.tail,
        since: input.since,
        stdout: input.stdout,
        stderr: input.stderr,
        cursor: input.cursor,
      },
      signal,
    );
    return { items: reader, result: () => ({ cursor: reader.cursor ?? null }) };
  },

  "stats.follow": async (ctx, input, signal) => {
    // The sampler lives as long as someone follows: nobody watching, no Engine reads; and it
    // reads only the containers asked for.
    const sampler = createStatsSampler(await ctx.docker(), { containers: input.containerIds });
    async function* sweeps(): AsyncGenerator<StreamItem<"stats.follow">> {
      for await (const sweep of sampler.watch(input.intervalMs, signal)) {
        yield { ...sweep, at: new Date().toISOString() };
      }
    }
    return { items: sweeps(), result: () => null };
  },

  "events.follow": async (ctx, input, signal) => {
    const reader = engineEvents(await ctx.docker(), input, signal);
    return { items: reader, result: () => ({ lastId: reader.lastId ?? null }) };
  },
} satisfies Partial<Handlers>;
