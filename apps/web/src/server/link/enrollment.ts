/**
 * Host identity: single-use enrollment tokens (short TTL) exchanged for a long-lived agent
 * credential. Only SHA-256 hashes are stored; the secrets are shown once.
 */
import { agentCredentialPrefix, enrollmentTokenPrefix } from "@dockfleet/protocol";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { hashToken, newToken } from "../access/tokens.ts";

/** How long a freshly minted enrollment token can be used. */
export const enrollmentTokenTtlMs = 15 * 60 * 1000;

/** Why an enrollment or a credential was refused, in words an operator can act on. */
export class LinkAuthError extends Error {
  override readonly name = "LinkAuthError";
}

/** Mints a token for `hostId`; earlier unused tokens of that host stop working. */
export async function mintEnrollmentToken(
  db: PrismaClient,
  hostId: string,
  ttlMs = enrollmentTokenTtlMs,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken(enrollmentTokenPrefix, 24);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ttlMs);
  await db.$transaction([
    db.enrollmentToken.updateMany({
      where: { hostId, usedAt: null, expiresAt: { gt: now } },
      data: { expiresAt: now },
    }),
    db.enrollmentToken.create({ data: { hostId, tokenHash: hashToken(token), expiresAt } }),
  ]);
  return { token, expiresAt };
}

export interface Enrollment {
  hostId: string;
  hostName: string;
  credential: string;
}

/**
 * Exchanges a token for a new credential, once. The host's earlier credentials are revoked: one
 * host, one live identity. Refusals name the reason (unknown, used, expired).
 */
export async function redeemEnrollmentToken(db: PrismaClient, token: string): Promise<Enrollment> {
  const now = new Date();
  const row = await db.enrollmentToken.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { host: { select: { id: true, name: true } } },
  });
  const again = 'ask an admin for a new one ("Add host" on the hosts page)';
  if (!row) throw new LinkAuthError(`unknown enrollment token: ${again}`);
  if (row.usedAt) {
    throw new LinkAuthError(
      `this enrollment token was already used at ${row.usedAt.toISOString()}; a token works once: ${again}`,
    );
  }
  if (row.expiresAt <= now) {
    throw new LinkAuthError(`this enrollment token expired at ${row.expiresAt.toISOString()}: ${again}`);
  }
  const credential = newToken(agentCredentialPrefix, 32);
  await db.$transaction(async (tx) => {
    // The conditional update is the single-use guarantee: of two concurrent redeems one gets 0 rows.
    const { count } = await tx.enrollmentToken.updateMany({
      where: { id: row.id, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (count !== 1) throw new LinkAuthError(`this enrollment token was already used: ${again}`);
    await tx.agentCredential.updateMany({
      where: { hostId: row.hostId, revokedAt: null },
      data: { revokedAt: now },
    });
    await tx.agentCredential.create({ data: { hostId: row.hostId, secretHash: hashToken(credential) } });
    await tx.host.update({ where: { id: row.hostId }, data: { enrolledAt: now } });
  });
  return { hostId: row.host.id, hostName: row.host.name, credential };
}

export interface AgentIdentity {
  credentialId: string;
  hostId: string;
  hostName: string;
}

/** The host a credential belongs to, or a refusal when it is unknown or revoked. */
export async function authenticateAgent(db: PrismaClient, credential: string): Promise<AgentIdentity> {
  if (!credential.startsWith(agentCredentialPrefix)) {
    throw new LinkAuthError("this is not an agent credential");
  }
  const row = await db.agentCredential.findUnique({
    where: { secretHash: hashToken(credential) },
    include: { host: { select: { id: true, name: true } } },
  });
  if (!row) throw new LinkAuthError("unknown agent credential: enroll this host again with a new token");
  if (row.revokedAt) {
    throw new LinkAuthError(
      `this host's credential was revoked at ${row.revokedAt.toISOString()}: enroll it again with a new token`,
    );
  }
  return { credentialId: row.id, hostId: row.host.id, hostName: row.host.name };
}

/** Revokes every credential and unused token of a host; returns how many credentials were live. */
export async function revokeHostCredentials(db: PrismaClient, hostId: string): Promise<number> {
  const now = new Date();
  const [revoked] = await db.$transaction([
    db.agentCredential.updateMany({ where: { hostId, revokedAt: null }, data: { revokedAt: now } }),
    db.enrollmentToken.updateMany({
      where: { hostId, usedAt: null, expiresAt: { gt: now } },
      data: { expiresAt: now },
    }),
  ]);
  return revoked.count;
}

/** Of these credentials, the ones revoked meanwhile (by any console replica). */
export async function revokedAmong(db: PrismaClient, credentialIds: string[]): Promise<Set<string>> {
  if (credentialIds.length === 0) return new Set();
  const rows = await db.agentCredential.findMany({
    where: { id: { in: credentialIds }, revokedAt: { not: null } },
    select: { id: true },
  });
  return new Set(rows.map((row) => row.id));
}
