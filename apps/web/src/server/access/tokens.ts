/** Secrets handed to people or scripts: random 128-bit (or more) tokens, stored only as SHA-256 hashes. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A new random token, base64url, with an optional readable prefix (e.g. `dft_` for API tokens). */
export function newToken(prefix = "", bytes = 16): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function tokenMatches(token: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashToken(token), "hex");
  const expected = Buffer.from(expectedHash, "hex");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
