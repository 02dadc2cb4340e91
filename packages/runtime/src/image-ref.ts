/** Image references as Docker reads them: `[registry[:port]/]path[:tag][@digest]`. */
import { z } from "zod";

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^\w[\w.-]{0,127}$/;
const registryPattern = /^[a-zA-Z0-9.-]+(?::\d+)?$/;

/** Docker's reference grammar (distribution/reference), minus its rarely used corners. */
export function isImageRef(ref: string): boolean {
  const { repository, tag, digest } = splitRef(ref);
  const parts = repository.split("/");
  const hasRegistry = parts.length > 1 && /[.:]|^localhost$/.test(parts[0] ?? "");
  if (hasRegistry && !registryPattern.test(parts[0] ?? "")) return false;
  const path = hasRegistry ? parts.slice(1) : parts;
  if (path.length === 0 || !path.every((p) => pathComponent.test(p))) return false;
  if (tag !== undefined && !tagPattern.test(tag)) return false;
  return digest === undefined || /^sha256:[0-9a-f]{64}$/.test(digest);
}

export const ImageRef = z
  .string()
  .refine(isImageRef, "must be an image reference like registry:5000/team/app:1.2 (lower-case path)");

/** Splits a reference into the repository and the tag (or digest) the Engine's query wants. */
export function splitRef(ref: string): {
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
} {
  const [name = ref, digest] = ref.split("@");
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  // A colon before the last slash is a registry port, not a tag.
  if (colon > slash) return { repository: name.slice(0, colon), tag: name.slice(colon + 1), digest };
  return { repository: name, tag: undefined, digest };
}
