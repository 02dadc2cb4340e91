import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { isRuntimeError } from "./errors.ts";
import { type EngineEvent, EngineEventSchema, engineEvents } from "./events.ts";
import { nanosToTimestamp } from "./logs/timestamps.ts";
import { removeCreated, runTestContainer, waitForExit } from "./test-containers.ts";
import { testClient, testName } from "./testing.ts";

let client: DockerClient;

beforeAll(async () => {
  client = await testClient();
});

afterAll(async () => {
  await removeCreated(client);
});

const nowTimestamp = () => nanosToTimestamp(BigInt(Date.now()) * 1_000_000n);

async function collect(source: AsyncIterable<EngineEvent>, limit = Number.POSITIVE_INFINITY) {
  const events: EngineEvent[] = [];
  for await (const event of source) {
    events.push(event);
    if (events.length >= limit) break;
  }
  return events;
}

describe("Engine events", () => {
  it("streams typed container events live and stops on abort", async () => {
    const abort = new AbortController();
    // Starting at "now" rather than "from the moment we subscribe" means no race with the container.
    const reader = engineEvents(client, { since: nowTimestamp(), types: ["container"] }, abort.signal);
    const seen: EngineEvent[] = [];
    // Known before the container exists, so its first events are recognised too.
    const name = testName("events");
    const reading = (async () => {
      for await (const event of reader) {
        if (event.actor.attributes.name !== name) continue;
        seen.push(EngineEventSchema.parse(event));
        if (event.action === "die") abort.abort();
      }
    })();
    const container = await runTestContainer(client, "true", { name });
    await waitForExit(container);
    await reading;
    const actions = seen.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["start", "die"]));
    expect(seen[0]?.type).toBe("container");
    expect(seen[0]?.actor.id).toBe(container.id);
    expect(reader.lastId).toBe(seen.at(-1)?.id);
  });

  it("replays a window with since/until and resumes from an event id without gap or duplicate", async () => {
    const since = nowTimestamp();
    const containers = [];
    for (let i = 0; i < 4; i++) {
      const c = await runTestContainer(client, "true");
      await waitForExit(c);
      containers.push(c.id);
    }
    const until = nowTimestamp();
    const filters = { container: containers };
    const all = await collect(engineEvents(client, { since, until, types: ["container"], filters }));
    expect(all.length).toBeGreaterThanOrEqual(12); // create, attach?, start, die per container
    for (const cut of [1, 3, all.length - 2]) {
      const first = engineEvents(client, { since, until, types: ["container"], filters });
      const head = await collect(first, cut);
      const rest = await collect(
        engineEvents(client, { since: first.lastId, until, types: ["container"], filters }),
      );
      expect([...head, ...rest].map((e) => e.id)).toEqual(all.map((e) => e.id));
    }
  });

  it("rejects a malformed resume point", () => {
    expect(() => engineEvents(client, { since: "last tuesday" })).toThrow(/since/);
    try {
      engineEvents(client, { since: "last tuesday" });
    } catch (error) {
      expect(isRuntimeError(error, "invalid_spec")).toBe(true);
    }
  });
});
