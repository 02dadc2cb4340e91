/**
 * Engine timestamps at nanosecond precision. JavaScript dates stop at milliseconds, and resuming a
 * stream without loss or duplicates needs every digit, so times travel as RFC 3339 strings with nine
 * fractional digits (Docker's RFC3339NanoFixed) and compare as bigint nanoseconds.
 */

const rfc3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

export function isTimestamp(value: string): boolean {
  return rfc3339.test(value);
}

/** Nanoseconds since the epoch of an RFC 3339 timestamp; throws on anything else. */
export function timestampToNanos(timestamp: string): bigint {
  const match = rfc3339.exec(timestamp);
  if (!match) throw new RangeError(`not an RFC 3339 timestamp: "${timestamp}"`);
  const [, seconds, fraction = "", zone] = match;
  const millis = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(millis)) throw new RangeError(`not a valid date: "${timestamp}"`);
  return BigInt(millis) * 1_000_000n + BigInt(fraction.padEnd(9, "0"));
}

/** The UTC RFC 3339 form with nine fractional digits, as the Engine writes it. */
export function nanosToTimestamp(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, "0");
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** Normalises any RFC 3339 timestamp to the Engine's fixed form, so equal times are equal strings. */
export function normalizeTimestamp(timestamp: string): string {
  return nanosToTimestamp(timestampToNanos(timestamp));
}

/** The `since`/`until` query value: seconds and nanoseconds, which the Engine reads exactly. */
export function nanosToQuery(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  return `${seconds}.${(nanos % 1_000_000_000n).toString().padStart(9, "0")}`;
}

export function timestampToQuery(timestamp: string): string {
  return nanosToQuery(timestampToNanos(timestamp));
}

/** Accepts a Date, an RFC 3339 string or Unix seconds, the forms callers have at hand. */
export function toQueryTime(value: Date | string | number): string {
  if (value instanceof Date) return nanosToQuery(BigInt(value.getTime()) * 1_000_000n);
  if (typeof value === "number") return nanosToQuery(BigInt(Math.round(value * 1e9)));
  return timestampToQuery(value);
}
