/** The tRPC request context and the procedure builders every domain router is made from. */
import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import type { RequestMeta } from "./http/request-meta.ts";

export interface Context {
  request: RequestMeta;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    // Never leak stack traces or internals to the browser: only code, message and zod field errors.
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      message:
        error.code === "INTERNAL_SERVER_ERROR" ? "internal error (see the console's log)" : shape.message,
      data: { ...data, zodError: error.cause instanceof ZodError ? error.cause.flatten() : null },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
/** A procedure anyone may call, signed in or not (health, login, first-run setup). */
export const publicProcedure = t.procedure;
