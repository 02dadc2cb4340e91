/** @dockfleet/runtime — everything about ONE Docker host, typed. No HTTP server, no database, no users. */
export * from "./client.ts";
export * from "./errors.ts";
export * from "./logs.ts";
export * from "./stats.ts";
