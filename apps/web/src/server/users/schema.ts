/** Inputs of user management. */
import { z } from "zod";
import { EmailSchema } from "../access/schema.ts";

export const InviteUserInput = z.object({ email: EmailSchema, name: z.string().trim().min(1).max(100) });
export const UserRef = z.object({ userId: z.string().min(1) });
