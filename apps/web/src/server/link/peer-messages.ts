/**
 * What console replicas say to each other over the bus (not the agents' wire shapes, which live in
 * @dockfleet/protocol). Commands' inputs, results and chunks travel superjson-encoded, as parsed.
 */
import { type LinkErrorData, LinkErrorSchema, ResultMessageSchema } from "@dockfleet/protocol";
import superjson from "superjson";
import { z } from "zod";

export const Encoded = z.object({ json: z.unknown(), meta: z.any().optional() });
export type Encoded = z.infer<typeof Encoded>;
export const encode = (value: unknown): Encoded => superjson.serialize(value) as Encoded;
export const decode = (value: Encoded): unknown => superjson.deserialize(value as never);

const base = { from: z.string(), id: z.string() };

/** What replicas say to each other. `from` is the sender; `id` names a call or stream on the requester. */
export const PeerMessageSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("call"),
    ...base,
    hostId: z.string(),
    name: z.string(),
    input: Encoded,
    timeoutMs: z.number(),
  }),
  z.object({
    kind: z.literal("stream"),
    ...base,
    hostId: z.string(),
    name: z.string(),
    input: Encoded,
    window: z.number().int().min(1),
  }),
  z.object({ kind: z.literal("cancel"), ...base }),
  /** Input for a stream the holder runs for the requester (a terminal's keystrokes). */
  z.object({ kind: z.literal("input"), ...base, input: Encoded }),
  z.object({ kind: z.literal("ack"), ...base, seq: z.number().int() }),
  z.object({ kind: z.literal("chunk"), ...base, seq: z.number().int(), chunk: Encoded }),
  /**
   * A question about the receiver's own state (not a host's agent), for what it answers on `topic`,
   * e.g. a terminal's keystrokes for the replica holding the session. Answered with a `result`.
   */
  z.object({ kind: z.literal("request"), ...base, topic: z.string(), body: Encoded }),
  /** A job's progress report, from the holder to the requester (as the holder parsed it). */
  z.object({ kind: z.literal("progress"), ...base, progress: Encoded }),
  z.discriminatedUnion("ok", [
    z.object({ kind: z.literal("result"), ...base, ok: z.literal(true), result: Encoded }),
    z.object({
      kind: z.literal("result"),
      ...base,
      ok: z.literal(false),
      error: LinkErrorSchema,
      /** The receiver does not hold the host (any more): the requester may look again. */
      notHere: z.boolean().optional(),
    }),
  ]),
  /**
   * Broadcast: the host's agent connected to `from`, still holding `pending` (commands of earlier
   * connections whose answers it will bring; absent: an agent that does not say).
   */
  z.object({
    kind: z.literal("connected"),
    from: z.string(),
    hostId: z.string(),
    pending: z.array(z.string()).optional(),
  }),
  /** Broadcast: an answer the agent brought for a call `from` does not know: parked elsewhere? */
  z.object({ kind: z.literal("orphan"), from: z.string(), hostId: z.string(), message: ResultMessageSchema }),
  /** Broadcast: whoever holds the host closes its connection (revocation on another replica). */
  z.object({
    kind: z.literal("disconnect"),
    from: z.string(),
    hostId: z.string(),
    code: z.number().int(),
    reason: z.string(),
  }),
]);
export type PeerMessage = z.infer<typeof PeerMessageSchema>;
export type ResultPeerMessage = Extract<PeerMessage, { kind: "result" }>;
export type Answer = { ok: true; result: Encoded } | { ok: false; error: LinkErrorData; notHere?: boolean };
