/**
 * The API agents call over their WebSocket (not the users' API): enroll, hello, the `commands`
 * subscription (console → agent), and `result`/`chunk`/`progress` (agent → console). Shapes come from
 * @dockfleet/protocol; this file only wires them to the registry and the inventory.
 */
import {
  agentProcedures,
  ChunkAckSchema,
  ChunkMessageSchema,
  type ConsoleMessage,
  isCompatibleProtocol,
  linkCloseCodes,
  linkTransformer,
  ProgressMessageSchema,
  plainWire,
  protocolVersion,
  ResultMessageSchema,
} from "@dockfleet/protocol";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { recordAudit } from "../audit/service.ts";
import type { AgentConnection } from "./connection.ts";
import { type AgentIdentity, LinkAuthError, redeemEnrollmentToken } from "./enrollment.ts";
import type { LinkRegistry } from "./registry.ts";
import { markConnected } from "./status.ts";

export interface AgentSocket {
  close(code: number, reason: string): void;
  /** False once it is closing: its close handler then decides what happens to the calls. */
  isOpen(): boolean;
}

export interface AgentContext {
  db: PrismaClient;
  registry: LinkRegistry;
  /** The connection's socket; one context per connection. */
  socket: AgentSocket;
  ip: string;
  /** Set when the connection carried a valid credential. */
  identity: AgentIdentity | undefined;
  /** Per connection and mutable (procedures see copies of the context, not this object). */
  session: { connection?: AgentConnection };
}

const t = initTRPC.context<AgentContext>().create({
  transformer: linkTransformer(superjson),
  errorFormatter({ shape }) {
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, data };
  },
});

const authenticated = t.procedure.use(({ ctx, next }) => {
  if (!ctx.identity)
    throw new TRPCError({ code: "UNAUTHORIZED", message: "connect with the host's credential" });
  return next({ ctx: { identity: ctx.identity } });
});

const connected = authenticated.use(({ ctx, next }) => {
  const connection = ctx.session.connection;
  if (!connection || connection.closed) {
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: "say hello first" });
  }
  return next({ ctx: { connection } });
});

export const agentRouter = t.router({
  enroll: t.procedure
    .input(agentProcedures.enroll.input)
    .output(agentProcedures.enroll.output)
    .mutation(async ({ ctx, input }) => {
      try {
        const enrollment = await redeemEnrollmentToken(ctx.db, input.token);
        await recordAudit(ctx.db, {
          actor: { type: "system", name: `agent ${input.agentVersion} on ${input.hostname}` },
          action: "agent.enroll",
          target: { type: "host", id: enrollment.hostId },
          hostId: enrollment.hostId,
          result: "ok",
          ip: ctx.ip,
        });
        return enrollment;
      } catch (error) {
        if (!(error instanceof LinkAuthError)) throw error;
        await recordAudit(ctx.db, {
          actor: { type: "anonymous", name: `agent on ${input.hostname}` },
          action: "agent.enroll",
          result: "denied",
          detail: { message: error.message },
          ip: ctx.ip,
        }).catch((cause: unknown) => console.error("[audit] could not record agent.enroll:", cause));
        throw new TRPCError({ code: "UNAUTHORIZED", message: error.message });
      }
    }),

  hello: authenticated
    .input(agentProcedures.hello.input)
    .output(agentProcedures.hello.output)
    .mutation(async ({ ctx, input }) => {
      if (!isCompatibleProtocol(input.protocolVersion)) {
        const message = `this console speaks link protocol ${protocolVersion}, the agent ${input.protocolVersion}: install the agent from this console`;
        ctx.socket.close(linkCloseCodes.incompatible, message.slice(0, 120));
        throw new TRPCError({ code: "BAD_REQUEST", message });
      }
      const reply = { hostId: ctx.identity.hostId, hostName: ctx.identity.hostName };
      const current = ctx.session.connection;
      if (current && !current.closed) {
        // A second hello on the same socket refreshes what the agent reports.
        await markConnected(ctx.db, ctx.identity, input, current.info.connectedAt, ctx.registry.replicaId);
        return { ...reply, consoleTime: Date.now() };
      }
      const connectedAt = new Date();
      await markConnected(ctx.db, ctx.identity, input, connectedAt, ctx.registry.replicaId);
      ctx.session.connection = ctx.registry.attach(
        {
          hostId: ctx.identity.hostId,
          hostName: ctx.identity.hostName,
          credentialId: ctx.identity.credentialId,
          agentVersion: input.agentVersion,
          connectedAt,
        },
        (code, reason) => ctx.socket.close(code, reason),
        input.pending,
      );
      return { ...reply, consoleTime: Date.now() };
    }),

  check: authenticated
    .output(agentProcedures.check.output)
    .query(({ ctx }) => ({ hostId: ctx.identity.hostId, hostName: ctx.identity.hostName })),

  commands: connected.subscription(async function* ({ ctx, signal }): AsyncGenerator<ConsoleMessage> {
    const connection = ctx.connection;
    // An agent that stops listening for commands is of no use connected: drop it, it reconnects
    // (its calls wait for it). A subscription that ends with its socket is the socket's business.
    const stop = () => {
      if (ctx.socket.isOpen()) ctx.registry.detach(connection, { park: true });
    };
    signal?.addEventListener("abort", stop, { once: true });
    try {
      for (;;) {
        const next = await connection.outbox.next();
        if (next.done) return;
        // Input for a running stream is plain JSON and may carry byte pieces (an upload).
        yield next.value.kind === "input" ? plainWire(next.value, { bytes: true }) : next.value;
      }
    } finally {
      signal?.removeEventListener("abort", stop);
    }
  }),

  result: connected.input(ResultMessageSchema).mutation(({ ctx, input }) => {
    ctx.connection.handleResult(input);
    return null;
  }),

  progress: connected.input(ProgressMessageSchema).mutation(({ ctx, input }) => {
    ctx.connection.handleProgress(input);
    return null;
  }),

  chunk: connected
    .input(ChunkMessageSchema)
    .output(ChunkAckSchema)
    .mutation(({ ctx, input }) => ctx.connection.handleChunk(input)),
});

export type AgentRouter = typeof agentRouter;
