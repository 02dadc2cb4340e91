import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TerminalSendInput } from "./schema.ts";
import { holderOfSession, newSessionId } from "./terminal-sessions.ts";

const replicaId = () => randomBytes(8).toString("hex");

describe("terminal session ids", () => {
  it("are UUIDs the terminalInput schema takes, naming the replica that made them", () => {
    for (let n = 0; n < 200; n += 1) {
      const replica = replicaId();
      const sessionId = newSessionId(replica);
      expect(TerminalSendInput.shape.sessionId.safeParse(sessionId).success).toBe(true);
      expect(holderOfSession(sessionId)).toBe(replica);
      expect(holderOfSession(sessionId.toUpperCase())).toBe(replica);
    }
  });

  it("differ in their random part on one replica", () => {
    const replica = replicaId();
    const ids = new Set(Array.from({ length: 1000 }, () => newSessionId(replica)));
    expect(ids.size).toBe(1000);
  });

  it("name no replica when another scheme made them", () => {
    expect(holderOfSession(randomUUID())).toBeUndefined();
    expect(holderOfSession("not a session")).toBeUndefined();
  });

  it("refuse to be made from something that is not a replica id", () => {
    expect(() => newSessionId("abc")).toThrow(/not a replica id/);
  });
});
