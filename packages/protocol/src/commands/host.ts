/** Commands about the host itself. */
import { HostFactsSchema } from "@dockfleet/runtime";
import { z } from "zod";
import { unary } from "../define.ts";

export const hostCommands = {
  "host.facts": unary({
    description: "Engine version, OS, kernel, CPUs, memory, storage; optionally disk usage",
    input: z.object({ diskUsage: z.boolean().default(false) }),
    result: HostFactsSchema,
  }),
};
