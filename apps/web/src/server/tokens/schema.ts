/** Inputs of personal API tokens. */
import { z } from "zod";
import { RoleSchema } from "../access/schema.ts";

export const CreateTokenInput = z.object({
  name: z.string().trim().min(1).max(100),
  role: RoleSchema,
  expiresInDays: z.number().int().min(1).max(365),
});
export const TokenRef = z.object({ tokenId: z.string().min(1) });
