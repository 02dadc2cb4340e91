/** Inputs of the host-scoped container procedures (`hostId` comes from hostProcedure). */
import { z } from "zod";

export const ListContainersInput = z.object({ all: z.boolean().default(true) });
export const ContainerInput = z.object({ containerId: z.string().min(1).max(256) });
export const StopContainerInput = ContainerInput.extend({
  timeoutSeconds: z.number().int().min(0).max(3600).optional(),
});
