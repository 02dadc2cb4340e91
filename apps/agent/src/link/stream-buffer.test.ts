import { describe, expect, it } from "vitest";
import { StreamBuffer } from "./stream-buffer.ts";

const limits = { items: 1000, bytes: 1000, chunkItems: 500, chunkBytes: 300, dropOldest: false };

describe("a stream's buffer", () => {
  it("counts small items only, and cuts chunks by count", () => {
    const buffer = new StreamBuffer<number>({ ...limits, items: 3, chunkItems: 2 });
    for (const n of [1, 2, 3]) buffer.push(n);
    expect(buffer.full).toBe(true);
    expect(buffer.take()).toEqual({ items: [1, 2], dropped: 0 });
    expect(buffer.full).toBe(false);
    expect(buffer.take()).toEqual({ items: [3], dropped: 0 });
  });

  it("bounds bulk pieces by bytes: full at the byte budget, chunks within the chunk budget", () => {
    const buffer = new StreamBuffer<string>({ ...limits, weigh: (piece) => piece.length });
    for (let n = 0; n < 9; n++) buffer.push("x".repeat(100));
    expect(buffer.full).toBe(false);
    buffer.push("x".repeat(100));
    expect(buffer.full).toBe(true);
    expect(buffer.take().items).toHaveLength(3);
    expect(buffer.full).toBe(false);
  });

  it("sends a piece larger than a chunk on its own rather than never", () => {
    const buffer = new StreamBuffer<string>({ ...limits, weigh: (piece) => piece.length });
    buffer.push("x".repeat(500));
    buffer.push("y");
    expect(buffer.take().items).toEqual(["x".repeat(500)]);
    expect(buffer.take().items).toEqual(["y"]);
  });

  it("drops the oldest beyond its size when told to, and says how many", () => {
    const buffer = new StreamBuffer<number>({ ...limits, items: 2, dropOldest: true });
    for (const n of [1, 2, 3, 4]) buffer.push(n);
    expect(buffer.take()).toEqual({ items: [3, 4], dropped: 2 });
    expect(buffer.take()).toEqual({ items: [], dropped: 0 });
  });
});
