import { advanceCursor } from "@dockfleet/runtime";
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors.ts";
import { logEventId, parseLogEventId } from "./log-event-id.ts";

const at = "2026-11-22T10:20:30.123456789Z";

function refusal(id: string): DomainError {
  try {
    parseLogEventId(id);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(id)} was accepted`);
}

describe("a log line's event id", () => {
  it("is the cursor after the line, compact, and decodes back to it", () => {
    const cursor = advanceCursor(advanceCursor(undefined, at), at);
    expect(logEventId(cursor)).toBe(`${at}~2`);
    expect(parseLogEventId(logEventId(cursor))).toEqual({ timestamp: at, linesAtTimestamp: 2 });
  });

  it("keeps every digit of the time and any zone the Engine wrote", () => {
    for (const timestamp of ["2026-11-22T10:20:30Z", "2026-11-22T10:20:30.000000001+02:00"]) {
      expect(parseLogEventId(`${timestamp}~0`)).toEqual({ timestamp, linesAtTimestamp: 0 });
    }
  });

  it.each([
    ["", "is not `<timestamp>~<lines at it>`"],
    ["yesterday", "is not `<timestamp>~<lines at it>`"],
    [at, "is not `<timestamp>~<lines at it>`"],
    [`${at}~`, "is not `<timestamp>~<lines at it>`"],
    [`${at}~-1`, "is not `<timestamp>~<lines at it>`"],
    [`${at}~one`, "is not `<timestamp>~<lines at it>`"],
    ["~1", "is not `<timestamp>~<lines at it>`"],
    ["2026-11-22 10:20:30~1", "must be an RFC 3339 timestamp"],
    ["2026-13-45T10:20:30Z~1", "names no real time"],
    [`${at}~${"9".repeat(100)}`, "is too long"],
  ])("refuses %j as invalid, naming the field", (id, reason) => {
    const error = refusal(id);
    expect(error.code).toBe("invalid");
    expect(error.message).toMatch(/^lastEventId ".*" is not a log position: /);
    expect(error.message).toContain(reason);
  });
});
