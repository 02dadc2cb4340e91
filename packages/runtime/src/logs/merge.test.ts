import { describe, expect, it } from "vitest";
import { mergeByArrival, mergeByKey } from "./merge.ts";

async function* from<T>(items: T[], pulled?: T[]): AsyncGenerator<T> {
  for (const item of items) {
    pulled?.push(item);
    yield item;
  }
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe("mergeByKey", () => {
  it("merges sorted sources into one order, stable on ties", async () => {
    const merged = mergeByKey(
      [from(["a1", "c1", "e1"]), from(["b2", "c2"]), from([]), from(["a3", "f3"])],
      (s) => s[0] as string,
    );
    expect(await collect(merged)).toEqual(["a1", "a3", "b2", "c1", "c2", "e1", "f3"]);
  });

  it("pulls only what the consumer takes", async () => {
    const pulled: string[] = [];
    const merged = mergeByKey([from(["a", "c", "e", "g"], pulled), from(["b", "d"], pulled)], (s) => s);
    for await (const item of merged) if (item === "b") break;
    expect(pulled).toEqual(["a", "b", "c"]);
  });

  it("merges many random sources like a sort", async () => {
    const sources = Array.from({ length: 40 }, () =>
      Array.from({ length: Math.floor(Math.random() * 50) }, () => Math.random().toFixed(6)).sort(),
    );
    const merged = await collect(
      mergeByKey(
        sources.map((s) => from(s)),
        (s) => s,
      ),
    );
    expect(merged).toEqual(sources.flat().sort());
  });
});

describe("mergeByArrival", () => {
  it("yields everything from every source", async () => {
    const merged = await collect(mergeByArrival([from([1, 2]), from([3]), from([4, 5, 6])]));
    expect(merged.sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("propagates a failing source", async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw new Error("boom");
    }
    await expect(collect(mergeByArrival([failing(), from([2])]))).rejects.toThrow("boom");
  });
});
