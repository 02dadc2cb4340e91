import { PrismaPg } from "@prisma/adapter-pg";
import { ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { patchPgQueryable, retypeFields, withDatabase } from "./adapter-patches.ts";

/** A pg.Pool that answers every query with `fields` and records what it was sent (never connects). */
class CannedPool extends pg.Pool {
  readonly sent: unknown[] = [];
  constructor(private readonly fields: { name: string; dataTypeID: number }[]) {
    super({ connectionString: "postgresql://nobody@127.0.0.1:1/none" });
  }
  // biome-ignore lint/suspicious/noExplicitAny: pg.Pool's query has a dozen overloads
  override query(config: any): any {
    this.sent.push(typeof config === "string" ? config : config.text);
    return Promise.resolve({ fields: this.fields, rows: [this.fields.map(() => "x")], rowCount: 1 });
  }
}

/** The real adapter-pg adapter (pinned version) over a canned pool, patched. */
async function patchedAdapter(fields: { name: string; dataTypeID: number }[]) {
  const pool = new CannedPool(fields);
  const adapter = patchPgQueryable(await new PrismaPg(pool).connect());
  return { adapter, pool };
}

describe("retypeFields", () => {
  it('reads "char" as text and "char"[] as text[], and reports where the char columns are', () => {
    const fields = [{ dataTypeID: 25 }, { dataTypeID: 18 }, { dataTypeID: 1002 }, { dataTypeID: 18 }];
    expect(retypeFields(fields)).toEqual([1, 3]);
    expect(fields.map((field) => field.dataTypeID)).toEqual([25, 25, 1009, 25]);
  });
});

describe("patchPgQueryable on adapter-pg's adapter", () => {
  it('turns "char" columns, which adapter-pg refuses, into Character columns', async () => {
    const fields = [
      { name: "relname", dataTypeID: 19 },
      { name: "contype", dataTypeID: 18 },
      { name: "flags", dataTypeID: 1002 },
    ];
    const unpatched = await new PrismaPg(new CannedPool(fields.map((field) => ({ ...field })))).connect();
    await expect(unpatched.queryRaw({ sql: "SELECT", args: [], argTypes: [] })).rejects.toThrow();

    const { adapter } = await patchedAdapter(fields);
    const result = await adapter.queryRaw({ sql: "SELECT", args: [], argTypes: [] });
    expect(result.columnNames).toEqual(["relname", "contype", "flags"]);
    expect(result.columnTypes).toEqual([
      ColumnTypeEnum.Text,
      ColumnTypeEnum.Character,
      ColumnTypeEnum.TextArray,
    ]);
  });

  it("runs a script as one query, semicolons inside strings included", async () => {
    const { adapter, pool } = await patchedAdapter([]);
    const script = "CREATE TABLE t (x int);\nCOMMENT ON TABLE t IS 'a;b';\n";
    await adapter.executeScript(script);
    expect(pool.sent).toEqual([script]);
  });

  it("refuses an adapter without the internals it patches", () => {
    expect(() => patchPgQueryable({ queryRaw: async () => ({}) })).toThrow(/performIO is gone/);
  });
});

describe("withDatabase", () => {
  it("replaces only the database name", () => {
    expect(withDatabase("postgresql://u:p%40ss@db.local:5433/main?sslmode=require", "other_db")).toBe(
      "postgresql://u:p%40ss@db.local:5433/other_db?sslmode=require",
    );
  });
});
