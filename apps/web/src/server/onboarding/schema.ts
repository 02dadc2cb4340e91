/** Inputs of SSH onboarding, shared with the "Add host" wizard. */
import { z } from "zod";
import { HostName } from "../hosts/schema.ts";

export const SshAuth = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("key"),
    privateKey: z.string().min(1, "paste the private key").max(20_000),
    passphrase: z.string().max(1000).optional(),
  }),
  z.object({ kind: z.literal("password"), password: z.string().min(1, "enter the password").max(1000) }),
]);
export type SshAuth = z.infer<typeof SshAuth>;

export const SshAddress = z.object({
  address: z
    .string()
    .trim()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:-]+$/, "a host name or IP address"),
  port: z.number().int().min(1).max(65535).default(22),
  username: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[a-z_][a-z0-9_.-]*$/i, "a Unix user name"),
  auth: SshAuth,
});

export const ProbeInput = SshAddress;

export const StartOnboardingInput = SshAddress.extend({
  name: HostName,
  hostGroupId: z.string().min(1).nullable(),
  /** The fingerprint the user saw and confirmed; the host must present exactly this key. */
  fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "an OpenSSH SHA256 fingerprint"),
  /** The console's URL as the host reaches it, when it differs from the public URL. */
  consoleUrl: z.url().optional(),
});
export type StartOnboardingInput = z.infer<typeof StartOnboardingInput>;

export const JobRef = z.object({ jobId: z.string().min(1) });
