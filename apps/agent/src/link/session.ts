/**
 * One connection to the console: open the WebSocket (tRPC), say hello, take commands until the
 * socket closes. The caller decides about reconnecting from the outcome.
 */
import {
  agentLinkPath,
  agentProcedures,
  ChunkAckSchema,
  ConsoleMessageSchema,
  type HelloInput,
  type HelloOutput,
  linkEncoder,
  linkTransformer,
} from "@dockfleet/protocol";
import { createTRPCUntypedClient, createWSClient, TRPCClientError, wsLink } from "@trpc/client";
import superjson from "superjson";
import { linkUrl } from "../config.ts";
import type { HandlerContext, Handlers } from "../handlers/index.ts";
import { Executor } from "./executor.ts";
import { type SocketOptions, socketClass } from "./socket.ts";

export interface Closed {
  code: number;
  reason: string;
}

export interface Connection {
  /** Untyped: the procedures' shapes are the protocol's schemas, checked on both ends. */
  client: ReturnType<typeof createTRPCUntypedClient>;
  /** Settles when the socket closed, with the close code the console (or the network) gave. */
  closed: Promise<Closed>;
  close(): Promise<void>;
  /** The last socket error, to say why a connection failed. */
  lastError(): string | undefined;
}

/** Opens a tRPC-over-WebSocket connection; reconnecting is left to the caller. */
export function openConnection(
  consoleUrl: string,
  options: SocketOptions & { credential?: string },
): Connection {
  let resolveClosed!: (closed: Closed) => void;
  const closed = new Promise<Closed>((resolve) => {
    resolveClosed = resolve;
  });
  let lastError: string | undefined;
  const wsClient = createWSClient({
    url: linkUrl(consoleUrl, agentLinkPath),
    WebSocket: socketClass(options) as unknown as typeof globalThis.WebSocket,
    ...(options.credential ? { connectionParams: { credential: options.credential } } : {}),
    // The console pings every few seconds too; this finds a dead console from our side.
    keepAlive: { enabled: true, intervalMs: 5_000, pongTimeoutMs: 5_000 },
    // Never used: the first close ends the connection (below) and the caller reconnects.
    retryDelayMs: () => 60_000,
    // Byte pieces go in binary frames (see the protocol's wire.ts).
    experimental_encoder: linkEncoder,
    onError(event) {
      const error = (event as unknown as { error?: Error; message?: string }) ?? {};
      lastError = error.error?.message ?? error.message ?? lastError;
    },
    onClose(event) {
      const { code = 1006, reason = "" } = (event ?? {}) as { code?: number; reason?: string };
      resolveClosed({ code, reason: reason || lastError || "connection lost" });
      void wsClient.close();
    },
  });
  const client = createTRPCUntypedClient({
    links: [wsLink({ client: wsClient, transformer })],
  });
  return {
    client,
    closed,
    lastError: () => lastError,
    async close() {
      await wsClient.close();
      resolveClosed({ code: 1000, reason: "closed by the agent" });
    },
  };
}

export interface SessionOptions extends SocketOptions {
  consoleUrl: string;
  credential: string;
  /**
   * Runs the commands; the agent keeps one across sessions so that results outlive a connection.
   * Without it the session runs its own from `handlers` and `context`, stopped when it ends.
   */
  executor?: Executor;
  handlers?: Handlers;
  context?: HandlerContext;
  /** Builds the hello (facts are read afresh for every connection). */
  hello(): Promise<HelloInput>;
  log(message: string): void;
  /** Ends the session (agent stopping). */
  signal: AbortSignal;
  onHello?(hello: HelloOutput): void;
}

export interface SessionOutcome extends Closed {
  /** The console accepted our hello: the connection was up, backoff starts again from zero. */
  greeted: boolean;
}

const helloTimeoutMs = 30_000;

const transformer = linkTransformer(superjson);

export async function runSession(options: SessionOptions): Promise<SessionOutcome> {
  const connection = openConnection(options.consoleUrl, options);
  const { client, closed } = connection;
  const stop = () => void connection.close();
  options.signal.addEventListener("abort", stop, { once: true });
  const own = options.executor === undefined;
  const executor =
    options.executor ??
    new Executor({
      handlers: options.handlers as Handlers,
      context: options.context as HandlerContext,
      log: options.log,
    });
  // Nothing is sent on this connection once it closed (tRPC's client would open a new one).
  let ended = false;
  void closed.then(() => {
    ended = true;
  });
  const open = () => {
    if (ended) throw new Error("the connection to the console is closed");
  };
  let greeted = false;
  try {
    const hello = await Promise.race([
      options.hello().then((input) => client.mutation("hello", input)),
      closed.then((why) => Promise.reject(new Error(`connection closed (${why.code}: ${why.reason})`))),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`no answer to hello within ${helloTimeoutMs / 1000} s`)),
          helloTimeoutMs,
        ).unref(),
      ),
    ]).then((output) => agentProcedures.hello.output.parse(output));
    greeted = true;
    options.onHello?.(hello);
    const clockOffsetMs = hello.consoleTime - Date.now();
    executor.attach(
      {
        result: async (message) => {
          open();
          await client.mutation("result", message).catch(transportError);
        },
        chunk: async (message) => {
          open();
          return ChunkAckSchema.parse(await client.mutation("chunk", message).catch(transportError));
        },
        progress: async (message) => {
          open();
          await client.mutation("progress", message).catch(transportError);
        },
      },
      clockOffsetMs,
    );
    const subscription = client.subscription("commands", undefined, {
      onData(data: unknown) {
        const message = ConsoleMessageSchema.safeParse(data);
        if (message.success) executor.handle(message.data);
        else options.log(`ignored a malformed message from the console: ${message.error.message}`);
      },
      onError(error: unknown) {
        options.log(`the command subscription failed: ${(error as Error).message}`);
        void connection.close();
      },
    });
    const outcome = await closed;
    subscription.unsubscribe();
    return { ...outcome, greeted };
  } catch (error) {
    const why = await Promise.race([closed, new Promise<undefined>((resolve) => setTimeout(resolve, 200))]);
    await connection.close();
    if (why) return { ...why, greeted };
    return { code: 1006, reason: (error as Error).message, greeted };
  } finally {
    ended = true;
    options.signal.removeEventListener("abort", stop);
    if (own || options.signal.aborted) executor.stop();
    else executor.detach();
  }
}

/** A call that failed without an answer from the console (tRPC says "Unknown error") lost its connection. */
function transportError(error: unknown): never {
  if (error instanceof TRPCClientError && error.data === undefined) {
    throw new Error("the connection to the console dropped");
  }
  throw error;
}
