/** What an audit record says about a tRPC call: who made it and what it targeted (never secrets). */
import type { Actor } from "../access/actor.ts";
import type { AuditEntry } from "./service.ts";

export function auditActor(actor: Actor | undefined): AuditEntry["actor"] {
  if (!actor) return { type: "anonymous" };
  return { type: actor.kind, id: actor.user.id, name: actor.user.email };
}

// Input fields that name what a call acts on, most specific first. Passwords and tokens are never read.
const targetFields = [
  ["containerId", "container"],
  ["volumeName", "volume"],
  ["networkId", "network"],
  ["imageId", "image"],
  ["tokenId", "token"],
  ["grantId", "grant"],
  ["teamId", "team"],
  ["userId", "user"],
  ["hostGroupId", "host group"],
  ["hostId", "host"],
  ["email", "user"],
] as const;

export function auditTarget(input: unknown): Pick<AuditEntry, "target" | "hostId"> {
  if (!input || typeof input !== "object") return {};
  const fields = input as Record<string, unknown>;
  const hostId = typeof fields.hostId === "string" ? fields.hostId : undefined;
  for (const [field, type] of targetFields) {
    const value = fields[field];
    if (typeof value === "string") return { target: { type, id: value }, hostId };
  }
  return { hostId };
}

// Keys whose values never enter the audit log.
const secretKey = /password|token|secret|key|credential/i;

/** The call's input with secrets replaced, so the log says what was asked without holding credentials. */
export function auditInput(input: unknown): unknown {
  if (Array.isArray(input)) return input.map(auditInput);
  if (!input || typeof input !== "object") return input;
  return Object.fromEntries(
    Object.entries(input as Record<string, unknown>).map(([key, value]) => [
      key,
      secretKey.test(key) ? "[redacted]" : auditInput(value),
    ]),
  );
}
