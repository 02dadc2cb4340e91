/** Input checking shared by the runtime's concept files: zod failures become `invalid_spec`. */
import { z } from "zod";
import { RuntimeError } from "./errors.ts";

/** Docker's rule for volume, container and network names (daemon/names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`). */
export const DockerName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, "must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (Docker's name rule)");

export const Labels = z.record(z.string(), z.string());

/** Parses `input` with `schema`; a failure names the operation and every bad field. */
export function parseSpec<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`);
  throw new RuntimeError("invalid_spec", `${what}: ${issues.join("; ")}`);
}

/** Label filters in the Engine's form: `key` or `key=value`. */
export function labelFilters(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {}).map(([key, value]) => (value === "" ? key : `${key}=${value}`));
}
