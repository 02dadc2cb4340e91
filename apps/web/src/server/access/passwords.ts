/** Password hashing (argon2id, OWASP's minimum: 19 MiB, t=2, p=1) and the password rule. */
import { hash, verify } from "@node-rs/argon2";
import { z } from "zod";

// @node-rs/argon2 declares Algorithm as a const enum, which isolated modules cannot import: 2 is Argon2id.
const argon2id = 2;
const hashOptions = { algorithm: argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const minPasswordLength = 12;

export const PasswordSchema = z
  .string()
  .min(minPasswordLength, `password must be at least ${minPasswordLength} characters`)
  .max(256, "password must be at most 256 characters");

export function hashPassword(password: string): Promise<string> {
  return hash(password, hashOptions);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the account does not exist, so timing does not reveal it. */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword("dockfleet-decoy-password");
  return decoyHash;
}
