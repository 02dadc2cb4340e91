import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { credentialMode, readCredential, type StoredCredential, writeCredential } from "./credential.ts";

const stored: StoredCredential = {
  version: 1,
  consoleUrl: "http://console",
  hostId: "h1",
  hostName: "web-1",
  credential: "dfa_secret",
  enrolledAt: "2026-11-23T08:00:00.000Z",
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dockfleet-agent-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("credential file", () => {
  it("is written 0600 in a 0700 directory and read back", async () => {
    const file = join(dir, "state", "credential.json");
    const umask = process.umask(0o000);
    try {
      await writeCredential(file, stored);
    } finally {
      process.umask(umask);
    }
    expect(await credentialMode(file)).toBe(0o600);
    expect((await stat(join(dir, "state"))).mode & 0o777).toBe(0o700);
    expect(await readCredential(file)).toEqual(stored);
    expect(await readdir(join(dir, "state"))).toEqual(["credential.json"]);
  });

  it("is absent before enrollment", async () => {
    expect(await readCredential(join(dir, "missing.json"))).toBeUndefined();
  });

  it("says so when it is damaged", async () => {
    const file = join(dir, "credential.json");
    await writeFile(file, "{ not json");
    await expect(readCredential(file)).rejects.toThrow(/damaged/);
    await writeFile(file, JSON.stringify({ ...stored, credential: "" }));
    await expect(readCredential(file)).rejects.toThrow(/damaged/);
  });
});
