/**
 * Host-scoped container procedures (`containers.*`), each going through the host's agent. They
 * live with the hosts domain until the containers domain has a folder of its own.
 */
import { hostProcedure, router } from "../../trpc.ts";
import { followHostLogs } from "../gateway.ts";
import { ContainerInput, ExecInput, ListContainersInput, LogsInput, StopContainerInput } from "./schema.ts";
import {
  execInContainer,
  listContainers,
  restartContainer,
  startContainer,
  stopContainer,
} from "./service.ts";

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
  logs: hostProcedure("container:logs")
    .input(LogsInput)
    .subscription(({ ctx, input, signal }) =>
      followHostLogs(
        ctx.db,
        ctx.host,
        { containerId: input.containerId, tail: input.tail, cursor: input.cursor },
        signal,
      ),
    ),
  exec: hostProcedure("container:exec")
    .input(ExecInput)
    .mutation(({ ctx, input }) => execInContainer(ctx.db, ctx.host, input)),
});
