/**
 * The tRPC request context and the procedure builders every domain router is made from.
 * Every procedure declares what it needs in its meta: a permission from access/permissions.ts,
 * "signed-in" (any user, acting on themselves) or "public". A test enumerates them all.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Actor } from "./access/actor.ts";
import type { CookiePolicy } from "./access/cookies.ts";
import type { Permission } from "./access/permissions.ts";
import { isAllowed, type Target } from "./access/policy.ts";
import { auditActor, auditInput, auditTarget } from "./audit/from-request.ts";
import { recordAudit } from "./audit/service.ts";
import { DomainError, type DomainErrorCode } from "./errors.ts";
import type { RequestMeta } from "./http/request-meta.ts";

export interface Context {
  db: PrismaClient;
  request: RequestMeta;
  actor: Actor | undefined;
  cookie: CookiePolicy;
  /** The console's public base URL, for links handed to people (invites, setup). */
  publicUrl: string;
  setCookie(value: string): void;
}

export type Requirement = Permission | "signed-in" | "public";
export interface Meta {
  requires: Requirement;
  /**
   * Why this mutation's successful calls are not audited one by one (a terminal's keystrokes:
   * the opening is audited, the keys may be passwords). Denied and failed calls still are.
   */
  unaudited?: string;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      // Never leak stack traces or internals to the browser: only code, message and zod field errors.
      const { stack: _stack, ...data } = shape.data;
      const internal = error.code === "INTERNAL_SERVER_ERROR";
      return {
        ...shape,
        message: internal ? "internal error (see the console's log)" : shape.message,
        data: { ...data, zodError: error.cause instanceof ZodError ? z.flattenError(error.cause) : null },
      };
    },
  });

const trpcCodes: Record<DomainErrorCode, TRPCError["code"]> = {
  invalid: "BAD_REQUEST",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  rate_limited: "TOO_MANY_REQUESTS",
  unavailable: "SERVICE_UNAVAILABLE",
};

/** A DomainError as the matching tRPC error; anything else stays as it is (the browser sees "internal error"). */
function toTrpcError(error: unknown): unknown {
  if (error instanceof TRPCError && error.cause instanceof DomainError) return toTrpcError(error.cause);
  if (error instanceof DomainError) {
    return new TRPCError({ code: trpcCodes[error.code], message: error.message, cause: error });
  }
  return error;
}

interface CallInfo {
  path: string;
  type: string;
  /** The call's own signal: for a subscription it aborts when the subscriber leaves. */
  signal: AbortSignal | undefined;
  getRawInput(): Promise<unknown>;
}

/**
 * Logs a failure the caller cannot act on (not a DomainError, not a deliberate tRPC error), once,
 * with the call's path and host. A subscriber leaving is normal, whatever it broke off (a wait for
 * an agent to come back ends in an AbortError): what fails after its signal aborted is not logged.
 */
async function logFailure(mapped: unknown, call: CallInfo): Promise<void> {
  if (mapped instanceof TRPCError && mapped.code !== "INTERNAL_SERVER_ERROR") return;
  if (call.type === "subscription" && call.signal?.aborted) return;
  const { hostId } = auditTarget(await call.getRawInput().catch(() => undefined));
  const where = hostId === undefined ? call.path : `${call.path} (host ${hostId})`;
  const cause = mapped instanceof TRPCError && mapped.cause ? mapped.cause : mapped;
  console.error(`[trpc] ${where} failed:`, cause);
}

/** A subscription's stream may fail long after it started: its errors are mapped the same way. */
async function* streamErrors<T>(items: AsyncIterable<T>, call: CallInfo): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (error) {
    const mapped = toTrpcError(error);
    await logFailure(mapped, call);
    if (call.signal?.aborted) return;
    throw mapped;
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** Services throw DomainError (they never import tRPC); here it becomes the matching tRPC error. */
const domainErrors = t.middleware(async ({ next, path, type, signal, getRawInput }) => {
  const call: CallInfo = { path, type, signal, getRawInput };
  const result = await next();
  if (result.ok) {
    if (type === "subscription" && isAsyncIterable(result.data)) {
      return { ...result, data: streamErrors(result.data, call) };
    }
    return result;
  }
  const mapped = toTrpcError(result.error);
  await logFailure(mapped, call);
  if (mapped !== result.error) throw mapped;
  return result;
});

/** Every state-changing call, and every denied attempt, leaves an audit record. */
const audited = t.middleware(async ({ ctx, type, path, meta, getRawInput, next }) => {
  const result = await next();
  const denied = !result.ok && (result.error.code === "FORBIDDEN" || result.error.code === "UNAUTHORIZED");
  if (type !== "mutation" && !denied) return result;
  if (meta?.unaudited && result.ok) return result;
  const input = await getRawInput().catch(() => undefined);
  await recordAudit(ctx.db, {
    actor: auditActor(ctx.actor),
    action: path,
    ...auditTarget(input),
    result: result.ok ? "ok" : denied ? "denied" : "error",
    detail: {
      requires: meta?.requires,
      input: meta?.unaudited ? "[not recorded]" : auditInput(input),
      ...(result.ok ? {} : { code: result.error.code, message: result.error.message }),
    },
    ip: ctx.request.ip,
  }).catch((error: unknown) => console.error(`[audit] could not record ${path}:`, error));
  return result;
});

const base = t.procedure.use(audited).use(domainErrors);

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Anyone, signed in or not: health, sign-in, first-run setup, invite acceptance. */
export const publicProcedure = base.meta({ requires: "public" });

const requireActor = t.middleware(({ ctx, next }) => {
  if (!ctx.actor) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" });
  return next({ ctx: { actor: ctx.actor } });
});

/** Any signed-in user acting on their own account (profile, password, own tokens). */
export const signedInProcedure = base.meta({ requires: "signed-in" }).use(requireActor);

function deny(permission: Permission, where: string): never {
  throw new TRPCError({ code: "FORBIDDEN", message: `you lack ${permission} on ${where}` });
}

/** A fleet-wide action; allowed only by a fleet-scoped grant carrying `permission`. */
export function fleetProcedure(permission: Permission) {
  const target: Target = { kind: "fleet" };
  return base
    .meta({ requires: permission })
    .use(requireActor)
    .use(({ ctx, next }) => {
      if (!isAllowed(ctx.actor.grants, permission, target)) deny(permission, "the fleet");
      return next();
    });
}

/**
 * An action on one host: reads `hostId` from the input, loads the host, checks the grant on the
 * host's group and puts the host in the context. Handlers add their own input fields after it.
 */
export function hostProcedure(permission: Permission) {
  return base
    .meta({ requires: permission })
    .use(requireActor)
    .input(z.object({ hostId: z.string().min(1) }))
    .use(async ({ ctx, input, next }) => {
      const host = await ctx.db.host.findUnique({ where: { id: input.hostId } });
      if (!host) throw new TRPCError({ code: "NOT_FOUND", message: `no host ${input.hostId}` });
      if (!isAllowed(ctx.actor.grants, permission, { kind: "host", hostGroupId: host.hostGroupId })) {
        deny(permission, `host ${host.name}`);
      }
      return next({ ctx: { host } });
    });
}
