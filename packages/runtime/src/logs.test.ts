import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { encodeFrame } from "./logs/demux.ts";
import { nanosToTimestamp } from "./logs/timestamps.ts";
import { containerLogs, LogsOptionsSchema, logsQuery } from "./logs.ts";

/** A client whose Engine answers inspect and serves `body` as the logs response. */
function fakeClient(body: Readable): DockerClient {
  return {
    apiVersion: "1.41",
    docker: {
      getContainer: () => ({ inspect: async () => ({ Id: "c1", Name: "/web", Config: { Tty: false } }) }),
      modem: {
        dial: (_options: object, callback: (e: unknown, data: unknown) => void) => callback(null, body),
      },
    },
  } as unknown as DockerClient;
}

/** An endless log body that counts how many frames the reader has pulled from it. */
function countingBody(): { body: Readable; produced: () => number } {
  let produced = 0;
  const body = new Readable({
    highWaterMark: 16 * 1024,
    read() {
      produced++;
      const timestamp = nanosToTimestamp(1_700_000_000_000_000_000n + BigInt(produced));
      this.push(encodeFrame("stdout", Buffer.from(`${timestamp} line ${produced}\n`)));
    },
  });
  return { body, produced: () => produced };
}

describe("containerLogs", () => {
  it("asks for timestamps always, tail on a first view and since on a resume", () => {
    const first = logsQuery(LogsOptionsSchema.parse({}));
    expect(first).toMatchObject({ timestamps: true, tail: 100 });
    expect(first.since).toBeUndefined();
    const resume = logsQuery(
      LogsOptionsSchema.parse({
        cursor: { timestamp: "2026-01-01T00:00:00.000000005Z", linesAtTimestamp: 2 },
      }),
    );
    expect(resume).toMatchObject({ timestamps: true, tail: "all", since: "1767225600.000000005" });
  });

  it("pulls from the Engine only as fast as the consumer reads (backpressure)", async () => {
    const { body, produced } = countingBody();
    const reader = containerLogs(fakeClient(body), "web", { follow: true });
    const iterator = reader[Symbol.asyncIterator]();
    for (let i = 0; i < 5; i++) await iterator.next();
    // Let the stream run ahead as far as it would: only its buffer may fill, never the whole log.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const afterPause = produced();
    expect(afterPause).toBeLessThan(2000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(produced()).toBe(afterPause);
    expect(reader.cursor?.linesAtTimestamp).toBe(1);
    await iterator.return?.();
    expect(body.destroyed).toBe(true);
  });

  it("ends quietly when its signal aborts", async () => {
    const { body } = countingBody();
    const abort = new AbortController();
    let lines = 0;
    for await (const _ of containerLogs(fakeClient(body), "web", { follow: true }, abort.signal)) {
      if (++lines === 10) abort.abort();
    }
    expect(lines).toBe(10);
  });
});
