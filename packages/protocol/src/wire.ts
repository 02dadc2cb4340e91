/**
 * How the link's messages travel on its one WebSocket: tRPC's transformer and encoder, the same on
 * both ends (the agent's wsLink, the console's router and WSS handler).
 *
 * Most messages go as tRPC sends them: superjson in text frames. Stream chunks (agent → console)
 * and stream input (console → agent) are the bulk of the traffic and are plain JSON by contract
 * (the runtime's models carry no Dates, Maps or BigInts), so they are marked with {@link plainWire}
 * and skip superjson's walk and copy on both ends. Byte pieces in them (`Uint8Array`: archive
 * pieces, uploads) leave the JSON and ride in a binary frame after it:
 *
 *     u32 BE header length | header: {"m": tRPC message(s), "b": [path, …]} | the pieces, back to back
 *
 * where each path says where in `m` the next piece goes (its place holds null in the JSON). Bytes
 * thus cost no base64 and no JSON string on either end. See docs/link.md ("The wire").
 */
import { z } from "zod";

/** What the link needs of superjson (passed in: the protocol package does not depend on it). */
export interface SuperJsonLike {
  serialize(value: unknown): { json: unknown; meta?: unknown };
  deserialize(payload: { json: unknown; meta?: unknown }): unknown;
  registerCustom(
    transformer: {
      isApplicable(value: unknown): value is Uint8Array;
      serialize(value: Uint8Array): string;
      deserialize(value: string): Uint8Array;
    },
    name: string,
  ): void;
}

/** A value marked by {@link plainWire}: true when it may hold byte pieces. */
const plainValues = new WeakMap<object, boolean>();
/** The `{ json }` envelopes made of plain values, as the encoder finds them in tRPC's messages. */
const plainEnvelopes = new WeakMap<object, boolean>();

/**
 * Marks a message to travel as plain JSON, and byte pieces in it (`bytes`) in a binary frame. The
 * caller vouches that it holds only JSON values (and Uint8Arrays when `bytes`).
 */
export function plainWire<T extends object>(value: T, options: { bytes: boolean }): T {
  plainValues.set(value, options.bytes);
  return value;
}

/** tRPC's data transformer for the link: superjson, except for values marked with {@link plainWire}. */
export function linkTransformer(superjson: SuperJsonLike) {
  // Byte pieces that reach superjson (a chunk relayed between console replicas) go as base64.
  superjson.registerCustom(
    {
      isApplicable: (value): value is Uint8Array => value instanceof Uint8Array,
      serialize: (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"),
      deserialize: (text) => Buffer.from(text, "base64"),
    },
    "bytes",
  );
  return {
    serialize(value: unknown): unknown {
      const bytes = typeof value === "object" && value !== null ? plainValues.get(value) : undefined;
      if (bytes === undefined) return superjson.serialize(value);
      const envelope = { json: value };
      plainEnvelopes.set(envelope, bytes);
      return envelope;
    },
    deserialize(payload: unknown): unknown {
      const envelope = payload as { json: unknown; meta?: unknown } | undefined;
      // Nothing for superjson to restore: skip its deep copy.
      if (envelope && typeof envelope === "object" && envelope.meta === undefined) return envelope.json;
      return superjson.deserialize(envelope as { json: unknown });
    },
  };
}

/**
 * A piece of bulk bytes in a stream's items or input: a Uint8Array (a Buffer on the receiving end,
 * a view into the frame it came in), at most `maxBytes` long.
 */
export function bytesPiece(maxBytes: number) {
  return z
    .custom<Uint8Array>((value) => value instanceof Uint8Array, "bytes (a Uint8Array)")
    .refine((piece) => piece.byteLength <= maxBytes, `a piece of at most ${maxBytes} bytes`);
}

type Path = (string | number)[];

/** Where a byte piece goes in the message, and how long it is. */
interface Placed {
  p: Path;
  n: number;
}

/** Copies `value` with its Uint8Arrays replaced by null, noting where each one was. */
function lift(value: unknown, path: Path, pieces: Uint8Array[], placed: Placed[]): unknown {
  if (value instanceof Uint8Array) {
    pieces.push(value);
    placed.push({ p: [...path], n: value.byteLength });
    return null;
  }
  if (Array.isArray(value)) return value.map((item, index) => lift(item, [...path, index], pieces, placed));
  if (typeof value === "object" && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = lift(item, [...path, key], pieces, placed);
    return copy;
  }
  return value;
}

/** The payload of a tRPC message, wherever tRPC put it (request input, response data). */
function payloadOf(message: unknown): unknown {
  const m = message as { params?: { input?: unknown }; result?: { data?: unknown } } | null;
  return m?.params?.input ?? m?.result?.data;
}

function carriesBytes(data: unknown): boolean {
  const messages = Array.isArray(data) ? data : [data];
  return messages.some((message) => {
    const payload = payloadOf(message);
    return typeof payload === "object" && payload !== null && plainEnvelopes.get(payload) === true;
  });
}

const HeaderSchema = z.object({
  m: z.unknown(),
  b: z.array(
    z.object({
      p: z.array(z.union([z.string(), z.number().int().min(0)])).min(1),
      n: z.number().int().min(0),
    }),
  ),
});

/** A binary frame that is not one (a peer speaking another wire). */
export class WireError extends Error {
  override readonly name = "WireError";
}

/** Puts `piece` at `path` in `root`, which must lead through objects and arrays to a null. */
function put(root: unknown, path: Path, piece: Buffer): void {
  let at = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = at?.[key];
    if (typeof next !== "object" || next === null)
      throw new WireError(`no place for a byte piece at ${path.join(".")}`);
    at = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  if (typeof at !== "object" || at === null || at[last] !== null) {
    throw new WireError(`no place for a byte piece at ${path.join(".")}`);
  }
  at[last] = piece;
}

/** tRPC's encoder for the link: JSON text frames, and binary frames for messages with byte pieces. */
export const linkEncoder = {
  encode(data: unknown): string | Uint8Array<ArrayBuffer> {
    if (!carriesBytes(data)) return JSON.stringify(data);
    const pieces: Uint8Array[] = [];
    const placed: Placed[] = [];
    const m = lift(data, [], pieces, placed);
    if (pieces.length === 0) return JSON.stringify(data);
    const header = Buffer.from(JSON.stringify({ m, b: placed }));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length);
    return Buffer.concat([length, header, ...pieces]) as Uint8Array<ArrayBuffer>;
  },

  /** Text: JSON. Binary: the message with its pieces in place (views into the frame, not copies). */
  decode(data: string | ArrayBuffer | Uint8Array): unknown {
    if (typeof data === "string") return JSON.parse(data);
    const frame = data instanceof Uint8Array ? data : new Uint8Array(data);
    const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    if (bytes.length < 4) throw new WireError("a binary link frame shorter than its header length");
    let at = 4 + bytes.readUInt32BE(0);
    if (at > bytes.length) throw new WireError("a binary link frame cut inside its header");
    const header = HeaderSchema.parse(JSON.parse(bytes.toString("utf8", 4, at)));
    for (const { p, n } of header.b) {
      if (at + n > bytes.length) throw new WireError("a binary link frame cut inside a byte piece");
      put(header.m, p, bytes.subarray(at, at + n));
      at += n;
    }
    if (at !== bytes.length) throw new WireError("a binary link frame with bytes after its pieces");
    return header.m;
  },
};
