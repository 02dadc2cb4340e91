import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Spool } from "./spool.ts";

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "dftest-spool-"));
  dir = join(root, "spool");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const result = (id: string, value: unknown = null) => ({ id, ok: true as const, result: value });

describe("the spool", () => {
  it("keeps results on disk, oldest first, readable by a later process", async () => {
    let now = 1_000;
    const spool = new Spool(dir, { now: () => now });
    await spool.put(result("a", { big: "x".repeat(10_000) }), null);
    now += 1;
    await spool.put(
      { id: "b", ok: false, error: { code: "docker", message: "no", dockerCode: "not_found" } },
      5_000,
    );
    const again = new Spool(dir, { now: () => now });
    expect((await again.list()).map((entry) => entry.message)).toEqual([
      result("a", { big: "x".repeat(10_000) }),
      { id: "b", ok: false, error: { code: "docker", message: "no", dockerCode: "not_found" } },
    ]);
    expect(await again.ids()).toEqual(["a", "b"]);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const name of await readdir(dir)) expect((await stat(join(dir, name))).mode & 0o777).toBe(0o600);
  });

  it("forgets a delivered result", async () => {
    const spool = new Spool(dir);
    await spool.put(result("a"), null);
    await spool.put(result("b"), null);
    const [first] = await spool.list();
    if (first) await spool.remove(first);
    expect(await spool.ids()).toEqual(["b"]);
  });

  it("drops results past their deadline, and very old ones without", async () => {
    let now = 1_000;
    const spool = new Spool(dir, { now: () => now, maxAgeMs: 10_000 });
    await spool.put(result("soon"), 2_000);
    await spool.put(result("later"), 50_000);
    await spool.put(result("never"), null);
    now = 3_000;
    expect(await spool.ids()).toEqual(["later", "never"]);
    now = 20_000;
    expect(await spool.ids()).toEqual(["later"]);
    expect(await readdir(dir)).toHaveLength(1);
  });

  it("stays within its bounds by dropping the oldest", async () => {
    let now = 0;
    const dropped: string[] = [];
    const spool = new Spool(dir, { now: () => ++now, maxEntries: 3, log: (m) => dropped.push(m) });
    for (const id of ["a", "b", "c", "d", "e"]) await spool.put(result(id), null);
    expect(await spool.ids()).toEqual(["c", "d", "e"]);
    expect(dropped).toHaveLength(2);
    const small = new Spool(join(root, "small"), { now: () => ++now, maxBytes: 25_000 });
    for (const id of ["a", "b", "c"]) await small.put(result(id, "y".repeat(10_000)), null);
    expect(await small.ids()).toEqual(["b", "c"]);
  });

  it("skips a damaged file (a crash mid-write leaves only a .tmp, never a torn .json)", async () => {
    const spool = new Spool(dir);
    await spool.put(result("good"), null);
    await writeFile(join(dir, "000000000000001-000001-bad.json"), "{not json");
    await writeFile(join(dir, "000000000000002-000001-x.json.tmp"), "{half");
    expect(await spool.ids()).toEqual(["good"]);
  });

  it("names files by time and a hash, never by the console's id", async () => {
    const spool = new Spool(dir);
    await spool.put(result("../../etc/passwd"), null);
    const [name] = await readdir(dir);
    expect(name).toMatch(/^\d{15}-\d{6}-[0-9a-f]{24}\.json$/);
    expect(await spool.ids()).toEqual(["../../etc/passwd"]);
  });
});
