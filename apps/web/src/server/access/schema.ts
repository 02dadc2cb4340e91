/** Inputs of the access domain, shared with the browser's forms. */
import { z } from "zod";
import { PasswordSchema } from "./passwords.ts";
import { roles } from "./roles.ts";

export const EmailSchema = z.email("enter a valid email address").max(254);
export const RoleSchema = z.enum(roles);

export const LoginInput = z.object({
  email: EmailSchema,
  password: z.string().min(1, "enter your password").max(256),
});

export const SetupInput = z.object({
  token: z.string().min(1),
  email: EmailSchema,
  name: z.string().trim().min(1, "enter a name").max(100),
  password: PasswordSchema,
});

export const ChangePasswordInput = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: PasswordSchema,
});

export const AcceptInviteInput = z.object({ token: z.string().min(1), password: PasswordSchema });
