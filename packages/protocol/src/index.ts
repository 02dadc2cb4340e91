/** @dockfleet/protocol — the link's messages between console and agent; the only place wire shapes live. */

export * from "./agent-api.ts";
export { ContainerRefSchema, execOutputLimitBytes } from "./commands/containers.ts";
export * from "./commands/jobs.ts";
export { type TerminalInput, TerminalInputSchema, terminalInputLimitBytes } from "./commands/terminal.ts";
export * from "./commands.ts";
export * from "./define.ts";
export * from "./envelope.ts";
export * from "./errors.ts";
export * from "./version.ts";
export * from "./wire.ts";
