import { describe, expect, it } from "vitest";
import { type ChainedFields, canonicalJson, chainHash, genesisHash } from "./chain.ts";

const fields: ChainedFields = {
  at: new Date("2026-11-23T10:00:00.000Z"),
  actorType: "user",
  actorId: "u1",
  actorName: "alice@example.com",
  action: "container:stop",
  targetType: "container",
  targetId: "web",
  hostId: "h1",
  result: "ok",
  detail: { b: 1, a: [2, { d: 3, c: 4 }] },
  ip: "127.0.0.1",
};

describe("canonicalJson", () => {
  it("sorts keys at every depth", () => {
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
  });
});

describe("chainHash", () => {
  it("does not depend on key order of the detail", () => {
    const reordered = { ...fields, detail: { a: [2, { c: 4, d: 3 }], b: 1 } };
    expect(chainHash(genesisHash, reordered)).toBe(chainHash(genesisHash, fields));
  });

  it("changes when any field or the previous hash changes", () => {
    const base = chainHash(genesisHash, fields);
    expect(chainHash(genesisHash, { ...fields, result: "denied" })).not.toBe(base);
    expect(chainHash(genesisHash, { ...fields, at: new Date("2026-11-23T10:00:00.001Z") })).not.toBe(base);
    expect(chainHash("1".repeat(64), fields)).not.toBe(base);
  });
});
