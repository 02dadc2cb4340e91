/** Host-scoped container procedures (`containers.*`), each going through the host's agent. */

import { tracked } from "@trpc/server";
import { hostProcedure, router } from "../trpc.ts";
import {
  ContainerInput,
  ExecInput,
  ListContainersInput,
  LogsInput,
  StatsInput,
  StopContainerInput,
  TerminalInput,
  TerminalSendInput,
  TerminalSessionInput,
} from "./schema.ts";
import {
  execInContainer,
  followContainerLogs,
  followContainerStats,
  listContainers,
  restartContainer,
  startContainer,
  stopContainer,
} from "./service.ts";
import { closeTerminal, openTerminal, sendTerminalInput } from "./terminal.ts";

export const containersRouter = router({
  list: hostProcedure("container:view")
    .input(ListContainersInput)
    .query(({ ctx, input }) => listContainers(ctx.db, ctx.host, input)),
  start: hostProcedure("container:operate")
    .input(ContainerInput)
    .mutation(({ ctx, input }) => startContainer(ctx.db, ctx.host, input)),
  stop: hostProcedure("container:operate")
    .input(StopContainerInput)
    .mutation(({ ctx, input }) => stopContainer(ctx.db, ctx.host, input)),
  restart: hostProcedure("container:operate")
    .input(StopContainerInput)
    .mutation(({ ctx, input }) => restartContainer(ctx.db, ctx.host, input)),
  /** Each line is a tracked event: a reconnecting EventSource sends its id back and misses nothing. */
  logs: hostProcedure("container:logs")
    .input(LogsInput)
    .subscription(async function* ({ ctx, input, signal }) {
      for await (const { id, line } of followContainerLogs(ctx.db, ctx.host, input, signal)) {
        yield tracked(id, line);
      }
    }),
  /** Live resource usage: one sweep of the running containers (or those named) per interval. */
  stats: hostProcedure("container:view")
    .input(StatsInput)
    .subscription(({ ctx, input, signal }) => followContainerStats(ctx.db, ctx.host, input, signal)),
  exec: hostProcedure("container:exec")
    .input(ExecInput)
    .mutation(({ ctx, input }) => execInContainer(ctx.db, ctx.host, input)),
  /**
   * A terminal: `opened` (with the session id), then the screen, then `exited`. Each event is
   * tracked with `<sessionId>:<offset>`: a reconnect sending it back reattaches to the same shell.
   */
  terminal: hostProcedure("container:exec")
    .input(TerminalInput)
    .subscription(async function* ({ ctx, input, signal }) {
      const events = openTerminal(ctx.db, ctx.host, ctx.actor, input, { ip: ctx.request.ip, signal });
      for await (const { id, event } of events) yield tracked(id, event);
    }),
  terminalInput: hostProcedure("container:exec")
    .meta({ requires: "container:exec", unaudited: "keystrokes: the terminal's opening is audited" })
    .input(TerminalSendInput)
    .mutation(({ ctx, input }) =>
      sendTerminalInput(ctx.db, ctx.actor, ctx.host.id, input.sessionId, input.input),
    ),
  /** Audited like any change: it ends the shell and whatever runs in it (the opening is audited too). */
  terminalClose: hostProcedure("container:exec")
    .input(TerminalSessionInput)
    .mutation(({ ctx, input }) => closeTerminal(ctx.db, ctx.actor, ctx.host.id, input.sessionId)),
});
