/** The host inventory: hosts and host groups, filtered by what the caller may see; enrollment and revocation. */
import { linkCloseCodes } from "@dockfleet/protocol";
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { type Grant, isAllowed } from "../access/policy.ts";
import { DomainError } from "../errors.ts";
import { mintEnrollmentToken, revokeHostCredentials } from "../link/enrollment.ts";
import { isOnline } from "../link/status.ts";
import { hostLink } from "../link/store.ts";
import { installScriptUrl } from "../onboarding/install-script.ts";
import { shellQuote } from "../onboarding/layout.ts";
import { onboardingSettings } from "../onboarding/settings.ts";

const listed = {
  id: true,
  name: true,
  hostGroupId: true,
  hostGroup: { select: { id: true, name: true } },
  createdAt: true,
  enrolledAt: true,
  agentConnected: true,
  connectedAt: true,
  lastSeenAt: true,
  agentVersion: true,
  dockerVersion: true,
  os: true,
  kernel: true,
  architecture: true,
  cpus: true,
  memoryBytes: true,
  factsError: true,
  _count: { select: { credentials: { where: { revokedAt: null } } } },
} as const;

/** Where a host stands with its agent: never enrolled, enrolled (online or not), or revoked. */
export type AgentState = "pending" | "online" | "offline" | "revoked";

/** A host as the API shows it: its facts and where it stands with its agent. */
function withState<H extends Prisma.HostGetPayload<{ select: typeof listed }>>(
  { _count, ...host }: H,
  now: number,
) {
  const state: AgentState = isOnline(host, now)
    ? "online"
    : _count.credentials > 0
      ? "offline"
      : host.enrolledAt
        ? "revoked"
        : "pending";
  return { ...host, state };
}

export async function listHosts(db: PrismaClient, grants: Grant[]) {
  const hosts = await db.host.findMany({ orderBy: { name: "asc" }, select: listed });
  const now = Date.now();
  return hosts
    .filter((host) => isAllowed(grants, "host:view", { kind: "host", hostGroupId: host.hostGroupId }))
    .map((host) => withState(host, now));
}

export async function getHost(db: PrismaClient, hostId: string) {
  // One host in detail: its facts as the agent reported them too.
  const host = await db.host.findUnique({ where: { id: hostId }, select: { ...listed, facts: true } });
  if (!host) throw new DomainError("not_found", "no such host");
  return withState(host, Date.now());
}

export function listHostGroups(db: PrismaClient) {
  return db.hostGroup.findMany({
    orderBy: { name: "asc" },
    include: { _count: { select: { hosts: true } } },
  });
}

async function assertGroupExists(db: PrismaClient, hostGroupId: string | null): Promise<void> {
  if (hostGroupId && !(await db.hostGroup.findUnique({ where: { id: hostGroupId } }))) {
    throw new DomainError("not_found", "no such host group");
  }
}

export async function createHostGroup(db: PrismaClient, name: string) {
  if (await db.hostGroup.findUnique({ where: { name } }))
    throw new DomainError("conflict", `group "${name}" exists`);
  return db.hostGroup.create({ data: { name }, select: { id: true, name: true } });
}

export async function createHost(db: PrismaClient, input: { name: string; hostGroupId: string | null }) {
  await assertGroupExists(db, input.hostGroupId);
  if (await db.host.findUnique({ where: { name: input.name } })) {
    throw new DomainError("conflict", `a host named "${input.name}" exists already`);
  }
  return db.host.create({ data: input, select: { id: true, name: true } });
}

export async function assignHostGroup(
  db: PrismaClient,
  input: { hostId: string; hostGroupId: string | null },
) {
  await assertGroupExists(db, input.hostGroupId);
  const { count } = await db.host.updateMany({
    where: { id: input.hostId },
    data: { hostGroupId: input.hostGroupId },
  });
  if (count === 0) throw new DomainError("not_found", "no such host");
}

/**
 * The one line a person runs on the host: it fetches the console's install script and runs it
 * (onboarding/install-script.ts). The token goes in that shell's environment: not in the URL, which
 * the console, proxies and their access logs see, and not as an argument, which every user of the
 * host sees in `ps`. The script uses sudo itself where it needs root, so the same line serves root
 * and sudoers, and sudo's environment rules never meet the token.
 */
export function installCommand(consoleUrl: string, token: string): string {
  return `curl -fsSL ${shellQuote(installScriptUrl(consoleUrl))} | DOCKFLEET_ENROLL_TOKEN=${shellQuote(token)} sh`;
}

/**
 * Mints an enrollment token for a host, creating the host (by name, in a group) when it does not
 * exist yet. Returns the token once, with the install command carrying it (for the console URL
 * hosts dial).
 */
export async function issueEnrollmentToken(
  db: PrismaClient,
  input: { hostId: string } | { name: string; hostGroupId: string | null },
) {
  let host: { id: string; name: string } | null;
  if ("hostId" in input) {
    host = await db.host.findUnique({ where: { id: input.hostId }, select: { id: true, name: true } });
    if (!host) throw new DomainError("not_found", "no such host");
  } else {
    host = await db.host.findUnique({ where: { name: input.name }, select: { id: true, name: true } });
    host ??= await createHost(db, input);
  }
  const { token, expiresAt } = await mintEnrollmentToken(db, host.id);
  return {
    hostId: host.id,
    hostName: host.name,
    token,
    expiresAt,
    command: installCommand(onboardingSettings(db).consoleUrl, token),
  };
}

/** Revokes the host's credential and closes its agent's connection now; it cannot reconnect. */
export async function revokeHost(db: PrismaClient, hostId: string) {
  const host = await db.host.findUnique({ where: { id: hostId }, select: { id: true, name: true } });
  if (!host) throw new DomainError("not_found", "no such host");
  const link = hostLink(db);
  // Connected here or on another replica (which then closes it when asked below).
  const wasReachable = await link.isReachable(host.id).catch(() => false);
  const revoked = await revokeHostCredentials(db, host.id);
  const disconnected =
    link.disconnect(host.id, linkCloseCodes.credentialRefused, "the host's credential was revoked") ||
    wasReachable;
  await db.host.update({ where: { id: host.id }, data: { agentConnected: false } });
  return { revokedCredentials: revoked, disconnected };
}
