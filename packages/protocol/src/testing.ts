/** Test-only: the LinkError a check throws. */
import { LinkError } from "./errors.ts";

/** Runs `check` and returns the LinkError it threw; anything else (or nothing) fails the test. */
export function linkFailure(check: () => unknown): LinkError {
  try {
    check();
  } catch (error) {
    if (error instanceof LinkError) return error;
    throw error;
  }
  throw new Error("expected a LinkError");
}
