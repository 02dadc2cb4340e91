/** The pg driver adapter as the schema engine needs it: three fixes to adapter-pg 7.10.1 (STACK.md). */
import { randomBytes } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlResultSet,
} from "@prisma/driver-adapter-utils";
import pg from "pg";

/** PostgreSQL's internal one-byte `"char"` type (pg_catalog columns such as `contype`). */
const CHAR_OID = 18;
const TEXT_OID = 25;
/** `"char"[]` read as text[]. */
const RETYPED_ARRAYS: ReadonlyMap<number, number> = new Map([[1002, 1009]]);

interface PgField {
  dataTypeID: number;
}

/**
 * Rewrites the field types adapter-pg cannot map (it throws on `"char"`) and returns the indexes
 * of the `"char"` columns, which `queryRaw` then reports as Character: the engine reads them with
 * `as_char()`, which fails on Text.
 */
export function retypeFields(fields: PgField[]): number[] {
  const charColumns: number[] = [];
  fields.forEach((field, index) => {
    if (field.dataTypeID === CHAR_OID) {
      field.dataTypeID = TEXT_OID;
      charColumns.push(index);
    }
    const array = RETYPED_ARRAYS.get(field.dataTypeID);
    if (array !== undefined) field.dataTypeID = array;
  });
  return charColumns;
}

/** What adapter-pg's adapters and transactions look like inside (private API, pinned version). */
interface PgQueryableInternals {
  performIO(query: object): Promise<{ fields: PgField[] }>;
  queryRaw(query: object): Promise<SqlResultSet>;
  startTransaction?(...args: unknown[]): Promise<unknown>;
  client?: { query(sql: string): Promise<unknown> };
  onError?(error: unknown): never;
}

/**
 * Patches one adapter (or transaction) from adapter-pg in place:
 * - `performIO` results get `retypeFields` (diffs against a shadow database need it);
 * - `executeScript` sends the script as ONE query instead of splitting it on every `;`, which
 *   broke any statement with a `;` inside a string. PostgreSQL runs a multi-statement query as
 *   one implicit transaction, so a failing migration leaves nothing half-applied.
 */
export function patchPgQueryable<T extends object>(target: T): T {
  const queryable = target as T & PgQueryableInternals;
  if (typeof queryable.performIO !== "function") {
    throw new Error(
      "@prisma/adapter-pg changed: performIO is gone, so the schema engine patches no longer apply",
    );
  }
  // queryRaw hands its query object to performIO: that is how the char columns found there
  // reach queryRaw's result, also with concurrent queries.
  const charColumns = new WeakMap<object, number[]>();
  const performIO = queryable.performIO.bind(queryable);
  queryable.performIO = async (query) => {
    const result = await performIO(query);
    const found = retypeFields(result.fields);
    if (found.length > 0) charColumns.set(query, found);
    return result;
  };
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumns.get(query) ?? []) result.columnTypes[index] = ColumnTypeEnum.Character;
    charColumns.delete(query);
    return result;
  };
  if ("executeScript" in queryable) {
    const client = queryable.client;
    if (!client || typeof client.query !== "function") {
      throw new Error(
        "@prisma/adapter-pg changed: the adapter has no client, so executeScript cannot be patched",
      );
    }
    (queryable as { executeScript(script: string): Promise<void> }).executeScript = async (script) => {
      try {
        await client.query(script);
      } catch (error) {
        queryable.onError?.(error);
        throw error;
      }
    };
  }
  const startTransaction = queryable.startTransaction?.bind(queryable);
  if (startTransaction) {
    queryable.startTransaction = async (...args) =>
      patchPgQueryable((await startTransaction(...args)) as object);
  }
  return target;
}

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export interface MigrationAdapterFactory {
  /** Give this to `bindMigrationAwareSqlAdapterFactory`. */
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** Disposes every adapter handed out (ending its pool) and drops leftover shadow databases. */
  close(): Promise<void>;
}

/**
 * A driver adapter factory for the schema engine on `url`. Its shadow databases are temporary
 * databases on the same server (`dockfleet_shadow_<random>`), dropped when the engine disposes
 * them or, at the latest, on `close()`.
 */
export function createMigrationAdapterFactory(url: string): MigrationAdapterFactory {
  const open = new Set<SqlDriverAdapter>();
  const shadows = new Set<string>();

  // The engine takes its advisory lock with a plain query on the pool, so the lock lives as
  // long as that pooled connection: keep idle connections until close() ends the pool.
  const pool = (connectionString: string) => new PrismaPg({ connectionString, idleTimeoutMillis: 0 });

  const track = (adapter: SqlDriverAdapter, afterDispose?: () => Promise<void>): SqlDriverAdapter => {
    patchPgQueryable(adapter);
    open.add(adapter);
    const dispose = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    adapter.dispose = () => {
      disposed ??= (async () => {
        open.delete(adapter);
        await dispose();
        await afterDispose?.();
      })();
      return disposed;
    };
    return adapter;
  };

  const dropShadow = async (name: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      shadows.delete(name);
    } finally {
      await client.end();
    }
  };

  const main = pool(url);
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => track(await main.connect()),
    // adapter-pg's own version replays the migrations on the MAIN database when built from a
    // connection string, and cannot drop its shadow database while its pool still holds it.
    connectToShadowDb: async () => {
      const name = `dockfleet_shadow_${randomBytes(6).toString("hex")}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
        shadows.add(name);
      } finally {
        await client.end();
      }
      return track(await pool(withDatabase(url, name)).connect(), () => dropShadow(name));
    },
  };

  return {
    factory,
    async close() {
      const results = await Promise.allSettled([...open].map((adapter) => adapter.dispose()));
      await Promise.allSettled([...shadows].map(dropShadow));
      const failed = results.find((result) => result.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}
