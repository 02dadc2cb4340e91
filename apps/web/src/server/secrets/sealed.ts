/** Authenticated encryption of small secrets with AES-256-GCM; `purpose` binds a ciphertext to its use. */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const version = "v1";

/** Encrypts `plaintext`; the result is `v1.<iv>.<tag>.<ciphertext>` in base64url parts. */
export function seal(key: Buffer, plaintext: string, purpose: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(purpose));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [version, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/** Decrypts what `seal` made with the same key and purpose; throws on any tampering. */
export function unseal(key: Buffer, sealed: string, purpose: string): string {
  const [tag, iv, authTag, ciphertext] = sealed.split(".");
  if (tag !== version || !iv || !authTag || ciphertext === undefined) throw new Error("not a sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(purpose));
  decipher.setAuthTag(Buffer.from(authTag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
    "utf8",
  );
}
