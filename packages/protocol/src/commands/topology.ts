/** The topology of one host: networks, containers, endpoints, published ports and live TCP edges. */
import { Topology } from "@dockfleet/runtime";
import { z } from "zod";
import { unary } from "../define.ts";

export const topologyCommands = {
  "topology.read": unary({
    description:
      "The host's graph as the Engine and /proc see it now; live edges are established TCP connections between containers",
    input: z.object({
      /** Read live edges from each running container's network namespace. */
      live: z.boolean().default(true),
    }),
    result: Topology,
    defaultTimeoutMs: 60_000,
  }),
};
