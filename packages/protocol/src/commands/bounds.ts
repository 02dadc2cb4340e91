/**
 * How much one command may carry. The runtime's models say what is valid (names, addresses,
 * paths) but leave most strings, lists and maps unbounded; the link caps them here, so an oversized
 * field is refused on the console with its name before anything travels.
 */
import { ContainerSpecSchema } from "@dockfleet/runtime";
import { z } from "zod";

/** Longest string (or map key) a command input takes where the field sets no tighter bound. */
export const maxStringLength = 64 * 1024;
/** Most items in one list or map of a command input. */
export const maxEntries = 1024;

/** Labels to match, as the runtime's filters take them: an empty value matches any value of the key. */
export const LabelsSchema = z.record(z.string().min(1), z.string());

/** Docker's container name rule (from the runtime's spec), capped at a file name's length. */
export const ContainerName = ContainerSpecSchema.shape.name.unwrap().max(255);

interface Oversized {
  path: PropertyKey[];
  message: string;
}

function* oversized(value: unknown, path: PropertyKey[]): Generator<Oversized> {
  if (typeof value === "string") {
    if (value.length > maxStringLength) yield { path, message: `at most ${maxStringLength} characters` };
    return;
  }
  if (value === null || typeof value !== "object") return;
  const entries = Object.entries(value);
  if (entries.length > maxEntries) yield { path, message: `at most ${maxEntries} entries` };
  for (const [key, item] of entries) {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    if (key.length > maxStringLength)
      yield { path: at, message: `a key of at most ${maxStringLength} characters` };
    yield* oversized(item, at);
  }
}

/** The schema with every string, list and map of its value capped (see maxStringLength, maxEntries). */
export function bounded<S extends z.ZodType>(schema: S): S {
  return schema.superRefine((value, ctx) => {
    for (const { path, message } of oversized(value, [])) {
      ctx.addIssue({ code: "custom", path, message });
    }
  });
}
