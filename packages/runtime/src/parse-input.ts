/** Validation of caller input before any Engine call, so bad input never leaves half-done work. */
import type { z } from "zod";
import { RuntimeError } from "./errors.ts";

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
    .join("")
    .replace(/^\./, "");
}

/** Parses `input` with `schema`; fails with `invalid_spec` naming the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const field = fieldPath(issue.path);
    return field ? `${field}: ${issue.message}` : issue.message;
  });
  throw new RuntimeError("invalid_spec", `${what}: invalid ${issues.join("; ")}`);
}
