import { describe, expect, it } from "vitest";
import { fullJitterDelay } from "./backoff.ts";

describe("fullJitterDelay", () => {
  it("grows exponentially up to the cap", () => {
    const top = () => 0.999999;
    expect(fullJitterDelay(0, { random: top })).toBe(499);
    expect(fullJitterDelay(3, { random: top })).toBe(3999);
    expect(fullJitterDelay(7, { random: top })).toBe(59_999);
    expect(fullJitterDelay(1000, { random: top })).toBe(59_999);
  });

  it("draws from the whole range, down to zero", () => {
    expect(fullJitterDelay(5, { random: () => 0 })).toBe(0);
    expect(fullJitterDelay(5, { random: () => 0.5 })).toBe(8000);
    const delays = Array.from({ length: 200 }, () => fullJitterDelay(20));
    expect(Math.max(...delays)).toBeLessThan(60_000);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });
});
