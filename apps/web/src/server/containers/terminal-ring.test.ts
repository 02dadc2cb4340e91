import { describe, expect, it } from "vitest";
import { OutputRing } from "./terminal-ring.ts";

/** `count` bytes counting up from `first` (mod 256): any slice shows where it came from. */
const bytes = (first: number, count: number) =>
  Buffer.from(Array.from({ length: count }, (_, index) => (first + index) % 256));

describe("a terminal's output ring", () => {
  it("reads from any offset it holds, across the pieces written, up to a maximum", () => {
    const ring = new OutputRing(1000);
    ring.write(bytes(0, 10));
    ring.write(Buffer.alloc(0));
    ring.write(bytes(10, 20));
    ring.write(bytes(30, 5));
    expect([ring.start, ring.end]).toEqual([0, 35]);
    expect(ring.read(0, 1000)).toEqual({ skipped: 0, data: bytes(0, 35), next: 35 });
    expect(ring.read(7, 10)).toEqual({ skipped: 0, data: bytes(7, 10), next: 17 });
    expect(ring.read(10, 20)).toEqual({ skipped: 0, data: bytes(10, 20), next: 30 });
    expect(ring.read(35, 10)).toEqual({ skipped: 0, data: Buffer.alloc(0), next: 35 });
  });

  it("keeps only the newest bytes once overrun, and says how many a late reader skipped", () => {
    const ring = new OutputRing(64);
    for (let first = 0; first < 200; first += 25) ring.write(bytes(first, 25));
    expect([ring.start, ring.end]).toEqual([200 - 64, 200]);
    // A reader that had the first 100 bytes: 36 are gone, the rest comes whole and in order.
    expect(ring.read(100, 1000)).toEqual({ skipped: 36, data: bytes(136, 64), next: 200 });
    expect(ring.read(0, 10)).toEqual({ skipped: 136, data: bytes(136, 10), next: 146 });
    // A reader still within the ring skips nothing.
    expect(ring.read(150, 1000)).toEqual({ skipped: 0, data: bytes(150, 50), next: 200 });
  });

  it("drops a piece larger than itself down to its last bytes", () => {
    const ring = new OutputRing(8);
    ring.write(bytes(0, 3));
    ring.write(bytes(3, 20));
    expect([ring.start, ring.end]).toEqual([15, 23]);
    expect(ring.read(3, 100)).toEqual({ skipped: 12, data: bytes(15, 8), next: 23 });
  });

  it("refuses an offset it never handed out", () => {
    const ring = new OutputRing(8);
    ring.write(bytes(0, 4));
    expect(() => ring.read(5, 1)).toThrow(/offset 5 is outside 0\.\.4/);
    expect(() => ring.read(-1, 1)).toThrow(RangeError);
    expect(() => ring.read(1.5, 1)).toThrow(RangeError);
    expect(() => new OutputRing(0)).toThrow(/not a ring size/);
  });
});
