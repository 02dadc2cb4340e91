/** @dockfleet/runtime — everything about ONE Docker host, typed. No HTTP server, no database, no users. */

export * from "./archives.ts";
export * from "./client.ts";
export * from "./containers.ts";
export * from "./errors.ts";
export * from "./events.ts";
export * from "./exec.ts";
export * from "./images.ts";
export * from "./logs.ts";
export * from "./networks.ts";
export * from "./posture.ts";
export * from "./stats.ts";
export * from "./system.ts";
export * from "./topology.ts";
export * from "./volumes.ts";
