import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseTerminalEventId, terminalEventId } from "./terminal-event-id.ts";

describe("terminal event ids", () => {
  it("name the session and the byte offset, and read back", () => {
    const sessionId = randomUUID();
    for (const offset of [0, 1, 262_144, 2 ** 40]) {
      const id = terminalEventId({ sessionId, offset });
      expect(id).toBe(`${sessionId}:${offset}`);
      expect(parseTerminalEventId(id)).toEqual({ sessionId, offset });
    }
  });

  it("refuse what the console did not hand out, naming lastEventId and why", () => {
    const sessionId = randomUUID();
    const cases: [string, RegExp][] = [
      ["yesterday", /is not `<session id>:<byte offset>`$/],
      [`${sessionId}:-1`, /is not `<session id>:<byte offset>`$/],
      [`${sessionId}:1.5`, /is not `<session id>:<byte offset>`$/],
      [`${sessionId}:${"9".repeat(16)}`, /is not `<session id>:<byte offset>`$/],
      ["not-a-uuid:12", /names no terminal session$/],
      [`${sessionId}:${"1".repeat(100)}`, /is too long/],
    ];
    for (const [id, reason] of cases) {
      expect(() => parseTerminalEventId(id), id).toThrow(/^lastEventId ".*" is not a terminal position: /);
      expect(() => parseTerminalEventId(id), id).toThrow(reason);
    }
  });
});
