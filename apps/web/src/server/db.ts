/** The console's one PrismaClient (pg driver adapter, no engine binary), created on first use. */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Database = PrismaClient;

let current: { url: string; client: PrismaClient } | undefined;

/**
 * Returns the process-wide client for `databaseUrl`, creating it on the first call. The client
 * connects lazily, on its first query. Asking for another database while one is open is a bug
 * and throws: call `disconnectDatabase()` first.
 */
export function connectDatabase(databaseUrl: string): PrismaClient {
  if (current) {
    if (current.url !== databaseUrl) {
      throw new Error("the database client is already connected to another database; disconnect it first");
    }
    return current.client;
  }
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  current = { url: databaseUrl, client };
  return client;
}

/** The client opened by `connectDatabase`; throws when there is none yet. */
export function getDatabase(): PrismaClient {
  if (!current) throw new Error("the database client is not connected yet (connectDatabase was not called)");
  return current.client;
}

/** Closes the client's connection pool; a later `connectDatabase` opens a new one. */
export async function disconnectDatabase(): Promise<void> {
  const closing = current;
  current = undefined;
  await closing?.client.$disconnect();
}
