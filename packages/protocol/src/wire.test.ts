import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { linkEncoder, linkTransformer, plainWire, WireError } from "./wire.ts";

const transformer = linkTransformer(superjson);

/** What tRPC's client sends for a mutation, and what the server makes of it. */
function roundTrip(input: unknown): { frame: string | Uint8Array; input: unknown } {
  const frame = linkEncoder.encode({
    id: 1,
    method: "mutation",
    params: { path: "chunk", input: transformer.serialize(input) },
  });
  const decoded = linkEncoder.decode(frame) as { params: { input: unknown } };
  return { frame, input: transformer.deserialize(decoded.params.input) };
}

describe("the link's wire", () => {
  it("sends byte pieces of a marked message in a binary frame, byte for byte, in place", () => {
    const a = Buffer.from("first piece");
    const b = new Uint8Array([0, 255, 1, 254]);
    const message = plainWire(
      { id: "s", seq: 3, chunk: { items: [{ data: a }, { data: b }], dropped: 0 } },
      { bytes: true },
    );
    const { frame, input } = roundTrip(message);
    expect(typeof frame).not.toBe("string");
    const got = input as { id: string; seq: number; chunk: { items: { data: Uint8Array }[] } };
    expect(got.id).toBe("s");
    expect(got.seq).toBe(3);
    expect(Buffer.from(got.chunk.items[0]?.data ?? []).equals(a)).toBe(true);
    expect([...(got.chunk.items[1]?.data ?? [])]).toEqual([0, 255, 1, 254]);
    // No base64 or number arrays: the frame is the pieces plus a small header.
    expect((frame as Uint8Array).byteLength).toBeLessThan(a.length + b.length + 400);
  });

  it("sends a marked message without bytes as JSON text, and others through superjson", () => {
    const plain = roundTrip(plainWire({ items: [{ line: "x" }], dropped: 0 }, { bytes: true }));
    expect(typeof plain.frame).toBe("string");
    expect(plain.input).toEqual({ items: [{ line: "x" }], dropped: 0 });
    const at = new Date("2026-01-02T03:04:05Z");
    const rich = roundTrip({ at, sizes: new Map([["a", 1]]) });
    expect(rich.input).toEqual({ at, sizes: new Map([["a", 1]]) });
  });

  it("relays byte pieces through superjson as base64 (between console replicas)", () => {
    const encoded = superjson.serialize({ data: Buffer.from("abc") });
    expect(JSON.stringify(encoded)).toContain("YWJj");
    const decoded = superjson.deserialize<{ data: Uint8Array }>(encoded);
    expect(Buffer.from(decoded.data).toString()).toBe("abc");
  });

  it("refuses binary frames that are cut or do not fit their header", () => {
    const whole = linkEncoder.encode({
      id: 1,
      params: { input: transformer.serialize(plainWire({ data: Buffer.alloc(100, 7) }, { bytes: true })) },
    }) as Uint8Array;
    expect(() => linkEncoder.decode(whole.subarray(0, whole.byteLength - 1))).toThrow(WireError);
    expect(() => linkEncoder.decode(Buffer.concat([whole, Buffer.from([1])]))).toThrow(WireError);
    expect(() => linkEncoder.decode(new Uint8Array([0, 0, 1]))).toThrow(WireError);
    expect(() => linkEncoder.decode(new Uint8Array([0, 0, 0, 9, 1]))).toThrow(WireError);
  });
});
