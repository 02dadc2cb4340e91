/** Inputs of grant management. */
import { z } from "zod";
import { RoleSchema } from "../access/schema.ts";

export const CreateGrantInput = z
  .object({
    role: RoleSchema,
    userId: z.string().min(1).optional(),
    teamId: z.string().min(1).optional(),
    /** null: the whole fleet. */
    hostGroupId: z.string().min(1).nullable(),
  })
  .refine((input) => (input.userId === undefined) !== (input.teamId === undefined), {
    message: "grant to exactly one of a user or a team",
    path: ["userId"],
  });

export const GrantRef = z.object({ grantId: z.string().min(1) });
