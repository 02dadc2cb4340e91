import { describe, expect, it } from "vitest";
import { auditActor, auditInput, auditTarget } from "./from-request.ts";

describe("audit records of a call", () => {
  it("never keep secrets from the input", () => {
    const input = {
      email: "a@b.c",
      password: "hunter2hunter2",
      nested: { newPassword: "x", token: "t" },
      name: "n",
    };
    expect(auditInput(input)).toEqual({
      email: "a@b.c",
      password: "[redacted]",
      nested: { newPassword: "[redacted]", token: "[redacted]" },
      name: "n",
    });
  });

  it("name the most specific target and keep the host", () => {
    expect(auditTarget({ hostId: "h1", containerId: "c1" })).toEqual({
      target: { type: "container", id: "c1" },
      hostId: "h1",
    });
    expect(auditTarget({ hostId: "h1" })).toEqual({ target: { type: "host", id: "h1" }, hostId: "h1" });
    expect(auditTarget("not an object")).toEqual({});
  });

  it("name an anonymous caller as such", () => {
    expect(auditActor(undefined)).toEqual({ type: "anonymous" });
  });
});
