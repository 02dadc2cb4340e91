import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { isRuntimeError } from "./errors.ts";
import { timestampToNanos } from "./logs/timestamps.ts";
import { containerLogs, type LogCursor, type LogLine, mergedLogs } from "./logs.ts";
import { removeCreated, runTestContainer, waitForExit } from "./test-containers.ts";
import { testClient } from "./testing.ts";

let client: DockerClient;

beforeAll(async () => {
  client = await testClient();
});

afterAll(async () => {
  await removeCreated(client);
});

async function collect(source: AsyncIterable<LogLine>, limit = Number.POSITIVE_INFINITY): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  if (limit <= 0) return lines;
  for await (const line of source) {
    lines.push(line);
    if (lines.length >= limit) break;
  }
  return lines;
}

const numbered = (count: number) => `i=1; while [ $i -le ${count} ]; do echo "n $i"; i=$((i+1)); done`;

describe("container logs", () => {
  it("reads the tail with stdout and stderr apart", async () => {
    const container = await runTestContainer(client, `${numbered(20)}; echo "err 1" >&2; echo "err 2" >&2`);
    await waitForExit(container);
    const all = await collect(containerLogs(client, container.id, { tail: "all" }));
    // stdout and stderr are separate pipes: their order in the log is not the script's order.
    expect(all.filter((l) => l.stream === "stdout").map((l) => l.line)).toEqual(
      Array.from({ length: 20 }, (_, i) => `n ${i + 1}`),
    );
    expect(all.filter((l) => l.stream === "stderr").map((l) => l.line)).toEqual(["err 1", "err 2"]);
    const tail = await collect(containerLogs(client, container.id, { tail: 5 }));
    expect(tail).toEqual(all.slice(-5));
    expect(all.every((l) => l.containerId === container.id)).toBe(true);
    const onlyErr = await collect(containerLogs(client, container.id, { tail: "all", stdout: false }));
    expect(onlyErr.map((l) => l.line)).toEqual(["err 1", "err 2"]);
  });

  it("joins a line longer than the log driver's 16 KiB buffer", async () => {
    const container = await runTestContainer(
      client,
      `head -c 40000 /dev/zero | tr '\\0' x; echo; echo after`,
    );
    await waitForExit(container);
    const lines = await collect(containerLogs(client, container.id, { tail: "all" }));
    expect(lines.map((l) => l.line.length)).toEqual([40000, 5]);
  });

  it("reads a TTY container's raw stream", async () => {
    const container = await runTestContainer(client, `${numbered(3)}; echo oops >&2`, { tty: true });
    await waitForExit(container);
    const lines = await collect(containerLogs(client, container.id, { tail: "all" }));
    expect(lines.map((l) => [l.stream, l.line])).toEqual([
      ["stdout", "n 1"],
      ["stdout", "n 2"],
      ["stdout", "n 3"],
      ["stdout", "oops"],
    ]);
  });

  it("honours since and until", async () => {
    const container = await runTestContainer(client, numbered(50));
    await waitForExit(container);
    const all = await collect(containerLogs(client, container.id, { tail: "all" }));
    const from = all[10] as LogLine;
    const to = all[20] as LogLine;
    const window = await collect(
      containerLogs(client, container.id, { since: from.timestamp, until: to.timestamp }),
    );
    expect(window[0]?.line).toBe("n 11");
    expect(window.at(-1)?.line).toBe("n 21");
  });

  it("follows new lines and stops on abort", async () => {
    const container = await runTestContainer(
      client,
      "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done",
    );
    const abort = new AbortController();
    const seen: string[] = [];
    for await (const line of containerLogs(client, container.id, { follow: true, tail: 0 }, abort.signal)) {
      seen.push(line.line);
      if (seen.length === 3) abort.abort();
    }
    expect(seen).toHaveLength(3);
    expect(seen[0]).toMatch(/^tick \d+$/);
  });

  it("resumes a cut follow with no lost and no duplicated line", async () => {
    const total = 150_000;
    const container = await runTestContainer(client, `${numbered(total)}; sleep 3600`);
    const received: number[] = [];
    const cutTimes: bigint[] = [];
    let cursor: LogCursor | undefined;
    // Cut the follow several times while the container is still printing.
    for (const cut of [1, 500, 2000, 7000]) {
      const reader = containerLogs(client, container.id, { follow: true, tail: "all", cursor });
      for await (const line of reader) {
        received.push(Number(line.line.slice(2)));
        if (received.length % cut === 0 || received.length === total) break;
      }
      cursor = reader.cursor;
      cutTimes.push(BigInt(Date.now()) * 1_000_000n);
    }
    // The last stretch goes batch by batch: the cursor covers whole batches the same way.
    const reader = containerLogs(client, container.id, { follow: true, cursor });
    let lastTimestamp = "";
    for await (const batch of reader.batches()) {
      for (const line of batch) received.push(Number(line.line.slice(2)));
      lastTimestamp = batch.at(-1)?.timestamp ?? lastTimestamp;
      if (received.at(-1) === total) break;
    }
    // The cuts really happened while the container was still printing.
    expect(cutTimes.every((cut) => cut < timestampToNanos(lastTimestamp))).toBe(true);
    expect(received).toHaveLength(total);
    expect(received.every((n, i) => n === i + 1)).toBe(true);
  });

  it("resumes from any position of a finished log", async () => {
    const container = await runTestContainer(client, numbered(5000));
    await waitForExit(container);
    const all = await collect(containerLogs(client, container.id, { tail: "all" }));
    // Resume from every position; the cursor names the last delivered line.
    for (const stop of [1, 2, 999, 2500, 4999]) {
      const first = containerLogs(client, container.id, { tail: "all" });
      const head = await collect(first, stop);
      const rest = await collect(containerLogs(client, container.id, { cursor: first.cursor }));
      expect([...head, ...rest].map((l) => l.line)).toEqual(all.map((l) => l.line));
    }
  });

  it("merges many containers by time and resumes each from its cursor", async () => {
    const containers = await Promise.all(
      ["a", "b", "c"].map((tag) =>
        runTestContainer(client, `i=1; while [ $i -le 200 ]; do echo "${tag} $i"; i=$((i+1)); done`),
      ),
    );
    await Promise.all(containers.map(waitForExit));
    const ids = containers.map((c) => c.id);
    const merged = mergedLogs(client, ids, { tail: "all" });
    const lines = await collect(merged);
    expect(lines).toHaveLength(600);
    const times = lines.map((l) => timestampToNanos(l.timestamp));
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] as bigint))).toBe(true);
    for (const tag of ["a", "b", "c"]) {
      const own = lines.filter((l) => l.line.startsWith(`${tag} `)).map((l) => Number(l.line.slice(2)));
      expect(own).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    }
    const partial = mergedLogs(client, ids, { tail: "all" });
    const head = await collect(partial, 250);
    const rest = await collect(mergedLogs(client, ids, { cursors: partial.cursors }));
    expect(head.length + rest.length).toBe(600);
    expect(new Set([...head, ...rest].map((l) => l.line)).size).toBe(600);
  });

  it("follows many containers: backlog, then live lines", async () => {
    const containers = await Promise.all(
      ["x", "y"].map((tag) =>
        runTestContainer(client, `echo "${tag} old"; sleep 2; echo "${tag} new"; sleep 3600`),
      ),
    );
    const abort = new AbortController();
    const seen: string[] = [];
    const reader = mergedLogs(
      client,
      containers.map((c) => c.id),
      { follow: true },
      abort.signal,
    );
    for await (const line of reader) {
      seen.push(line.line);
      if (seen.length === 4) abort.abort();
    }
    expect(seen.slice().sort()).toEqual(["x new", "x old", "y new", "y old"]);
  });

  it("names an unknown container and rejects bad options", async () => {
    const missing = collect(containerLogs(client, "dftest-missing-container"));
    await expect(missing).rejects.toSatisfy((e) => isRuntimeError(e, "not_found"));
    expect(() => containerLogs(client, "x", { tail: -1 })).toThrow(/tail/);
    expect(() => containerLogs(client, "x", { since: "yesterday" })).toThrow(/since/);
  });
});
