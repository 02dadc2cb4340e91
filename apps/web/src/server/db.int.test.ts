import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./db/testing.ts";
import { connectDatabase, disconnectDatabase, getDatabase } from "./db.ts";

describe("the console's database client", () => {
  let db: TestDatabase;
  afterAll(async () => {
    await disconnectDatabase();
    await db?.drop();
  });

  it("is one client per process, created on first use, reopened after a disconnect", async () => {
    db = await createTestDatabase();
    expect(() => getDatabase()).toThrow(/not connected yet/);

    const client = connectDatabase(db.url);
    expect(connectDatabase(db.url)).toBe(client);
    expect(getDatabase()).toBe(client);
    expect(() => connectDatabase(`${db.url}_other`)).toThrow(/already connected to another database/);
    await client.instance.create({ data: {} });

    await disconnectDatabase();
    const reopened = connectDatabase(db.url);
    expect(reopened).not.toBe(client);
    expect(await reopened.instance.count()).toBe(1);
  });
});
