/**
 * The bus on its own against a real Postgres: a corrupt payload is dropped and logged without its
 * text while the bus goes on delivering; channels of other domains, also after a broken connection.
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../db/testing.ts";
import { until } from "../testing/until.ts";
import { PgBus, replicaChannel } from "./bus.ts";

let database: TestDatabase;
const buses: PgBus[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});
afterAll(async () => {
  await database?.drop();
});

function startBus() {
  const seen = { messages: [] as unknown[], logs: [] as string[], listenerPids: [] as number[] };
  const replicaId = randomBytes(8).toString("hex");
  const bus = new PgBus({
    url: database.url,
    replicaId,
    onMessage: (message) => seen.messages.push(message),
    onLost: () => undefined,
    onConnected: async (pid) => {
      seen.listenerPids.push(pid);
    },
    log: (line) => seen.logs.push(line),
  });
  buses.push(bus);
  return { bus, replicaId, seen };
}

const notify = (channel: string, payload: string) =>
  database.prisma.$executeRaw`SELECT pg_notify(${channel}, ${payload})`;

describe("PgBus", () => {
  it("drops a corrupt payload, logging its channel, sender and size but never its text, and goes on", async () => {
    const { bus, replicaId, seen } = startBus();
    await bus.ready();
    const channel = replicaChannel(replicaId);
    const cut = `{"kind":"input","from":"${replicaId}","data":"hunter2-keystrokes`;
    await notify(channel, cut);
    // A spilled message whose stored text is corrupt, and one that claims a sender it cannot be.
    const [row] = await database.prisma.$queryRaw<{ id: bigint }[]>`
      INSERT INTO "LinkMessage" ("payload", "createdAt") VALUES ('{"terminal":"secret-spilled', now())
      RETURNING "id"`;
    await notify(channel, JSON.stringify({ kind: "spilled", ref: Number(row?.id) }));
    await notify(channel, JSON.stringify({ kind: "spilled", ref: -1, from: "typed-password" }));

    await bus.send(replicaId, { kind: "after", n: 1 });
    await until(() => seen.messages.length === 1);

    expect(seen.messages).toEqual([{ kind: "after", n: 1 }]);
    expect(seen.logs).toHaveLength(3);
    const [notJson, spilled, gone] = seen.logs as [string, string, string];
    expect(notJson).toMatch(
      new RegExp(
        `^dropped a message on ${channel} from Postgres backend \\d+ \\(${cut.length} bytes\\): not JSON$`,
      ),
    );
    expect(spilled).toMatch(/ \(27 bytes\): not JSON$/);
    expect(gone).toMatch(/from Postgres backend \d+ .*: the spilled message it names is gone$/);
    for (const line of seen.logs) expect(line).not.toMatch(/hunter2|keystrokes|secret|terminal|password/);
  });

  it("listens on another domain's channel, and again after its connection broke", async () => {
    const { bus, seen } = startBus();
    const heard: string[] = [];
    let listening = 0;
    bus.subscribe("dftest_topic", {
      onNotification: (payload) => heard.push(payload),
      onListening: () => {
        listening += 1;
      },
    });
    expect(() => bus.subscribe("dftest_topic", { onNotification() {}, onListening() {} })).toThrow(/taken/);
    await until(() => listening === 1);
    await notify("dftest_topic", "job-1");
    await until(() => heard.length === 1);

    // The LISTEN session dies: the bus reconnects and says it listens again, so nothing is assumed.
    await database.prisma.$queryRaw`SELECT pg_terminate_backend(${seen.listenerPids[0]}::int)`;
    await until(() => listening === 2);
    await notify("dftest_topic", "job-2");
    await until(() => heard.length === 2);

    expect(heard).toEqual(["job-1", "job-2"]);
    expect(seen.listenerPids).toHaveLength(2);
    expect(seen.messages).toEqual([]);
  });
});
