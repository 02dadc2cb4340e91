/** Inputs of the host inventory. */
import { z } from "zod";

export const HostGroupInput = z.object({ name: z.string().trim().min(1).max(100) });
export const HostName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-' only");
export const CreateHostInput = z.object({ name: HostName, hostGroupId: z.string().min(1).nullable() });
export const AssignHostGroupInput = z.object({
  hostId: z.string().min(1),
  hostGroupId: z.string().min(1).nullable(),
});

/** A token for an existing host (`hostId`: re-enrollment) or for a host created by name if missing. */
export const EnrollmentTokenInput = z.union([
  z.object({ hostId: z.string().min(1) }),
  z.object({ name: HostName, hostGroupId: z.string().min(1).nullable().default(null) }),
]);
export const HostRef = z.object({ hostId: z.string().min(1) });
