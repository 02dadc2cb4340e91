/** Reconnect delays: exponential backoff with full jitter (AWS's "Exponential Backoff And Jitter"). */

export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  random?: () => number;
}

/** A delay drawn uniformly from [0, min(cap, base · 2^attempt)); attempt counts from 0. */
export function fullJitterDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const cap = options.capMs ?? 60_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
