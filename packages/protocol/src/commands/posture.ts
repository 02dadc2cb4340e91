/** Security posture of one host: findings for the daemon and per container. */
import { ContainerPosture, HostPosture } from "@dockfleet/runtime";
import { z } from "zod";
import { unary } from "../define.ts";
import { ContainerRefSchema } from "./containers.ts";

export const postureCommands = {
  "posture.host": unary({
    description: "Findings for the daemon and every container (running or not), counted by severity",
    input: z.object({}),
    result: HostPosture,
    defaultTimeoutMs: 60_000,
  }),
  "posture.container": unary({
    description: "Findings for one container",
    input: ContainerRefSchema,
    result: ContainerPosture,
  }),
};
