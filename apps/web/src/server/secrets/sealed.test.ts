import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadOrCreateMasterKey } from "./master-key.ts";
import { seal, unseal } from "./sealed.ts";

const key = randomBytes(32);

describe("sealed secrets", () => {
  it("round-trips and never contains the plaintext", () => {
    const sealed = seal(key, "-----BEGIN OPENSSH PRIVATE KEY-----", "ssh-key");
    expect(sealed).not.toContain("OPENSSH");
    expect(unseal(key, sealed, "ssh-key")).toBe("-----BEGIN OPENSSH PRIVATE KEY-----");
  });

  it("uses a fresh IV each time", () => {
    expect(seal(key, "same", "p")).not.toBe(seal(key, "same", "p"));
  });

  it("refuses a tampered ciphertext, another key, and another purpose", () => {
    const sealed = seal(key, "secret", "ssh-key");
    const parts = sealed.split(".");
    const body = Buffer.from(parts[3] ?? "", "base64url");
    body[0] = (body[0] ?? 0) ^ 1;
    const tampered = [...parts.slice(0, 3), body.toString("base64url")].join(".");
    expect(() => unseal(key, tampered, "ssh-key")).toThrow();
    expect(() => unseal(randomBytes(32), sealed, "ssh-key")).toThrow();
    expect(() => unseal(key, sealed, "backup-target")).toThrow();
  });
});

describe("master key", () => {
  it("is created once with mode 0600 and read back the same", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dockfleet-key-"));
    try {
      const first = await loadOrCreateMasterKey(dir);
      const second = await loadOrCreateMasterKey(dir);
      expect(second.equals(first)).toBe(true);
      expect((await stat(path.join(dir, "master.key"))).mode & 0o777).toBe(0o600);
      expect((await readFile(path.join(dir, "master.key"), "utf8")).trim()).toBe(first.toString("base64"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
