import { describe, expect, it } from "vitest";
import { advanceCursor, ResumeFilter } from "./cursor.ts";
import { nanosToQuery, nanosToTimestamp, timestampToNanos, toQueryTime } from "./timestamps.ts";

const a = "2026-11-23T07:20:26.000000001Z";
const b = "2026-11-23T07:20:26.000000002Z";
const c = "2026-11-23T07:20:27.000000000Z";

describe("timestamps", () => {
  it("round-trips nanoseconds", () => {
    expect(nanosToTimestamp(timestampToNanos(a))).toBe(a);
    expect(timestampToNanos("2026-11-23T08:20:26.000000001+01:00")).toBe(timestampToNanos(a));
    expect(nanosToQuery(timestampToNanos(a))).toBe("1795418426.000000001");
    expect(toQueryTime(new Date(1000))).toBe("1.000000000");
  });
});

describe("log cursor", () => {
  it("counts lines delivered at the same timestamp", () => {
    let cursor = advanceCursor(undefined, a);
    cursor = advanceCursor(cursor, b);
    cursor = advanceCursor(cursor, b);
    expect(cursor).toEqual({ timestamp: b, linesAtTimestamp: 2 });
  });

  it("drops older lines and the ones already delivered at the cursor", () => {
    const filter = new ResumeFilter({ timestamp: b, linesAtTimestamp: 2 });
    const replay = [a, b, b, b, c, a];
    expect(replay.map((ts) => filter.accept(ts))).toEqual([false, false, false, true, true, true]);
  });

  it("passes everything without a cursor", () => {
    const filter = new ResumeFilter(undefined);
    expect([a, a].map((ts) => filter.accept(ts))).toEqual([true, true]);
  });
});
