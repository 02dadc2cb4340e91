/**
 * Finds the link registry of a console from its database client. Domain services receive only
 * `ctx.db` in their tRPC context; the registry is attached next to it when the server starts.
 */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { LinkRegistry } from "./registry.ts";

const registries = new WeakMap<PrismaClient, LinkRegistry>();

export function registerLink(db: PrismaClient, registry: LinkRegistry): void {
  registries.set(db, registry);
}

/** The registry serving this console; throws when the agent link was not started. */
export function hostLink(db: PrismaClient): LinkRegistry {
  const registry = registries.get(db);
  if (!registry) throw new Error("the agent link is not running in this process");
  return registry;
}
