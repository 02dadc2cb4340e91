/** Personal API tokens: shown once, stored hashed, with an expiry and a role no higher than the owner's. */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";
import { type Grant, highestRole } from "./policy.ts";
import { type Role, roleRank } from "./roles.ts";
import type { SessionUser } from "./sessions.ts";
import { hashToken, newToken } from "./tokens.ts";

export const apiTokenPrefix = "dft_";
const touchEveryMs = 60 * 1000;

export async function resolveApiToken(
  db: PrismaClient,
  token: string,
): Promise<{ id: string; role: Role; user: SessionUser } | undefined> {
  if (!token.startsWith(apiTokenPrefix)) return undefined;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { user: { select: { id: true, email: true, name: true, disabledAt: true } } },
  });
  const now = Date.now();
  if (!row || row.revokedAt || row.expiresAt.getTime() <= now || row.user.disabledAt) return undefined;
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > touchEveryMs) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
  }
  const { disabledAt: _disabled, ...user } = row.user;
  return { id: row.id, role: row.role, user };
}

export interface NewApiToken {
  name: string;
  role: Role;
  expiresInDays: number;
}

export async function createApiToken(
  db: PrismaClient,
  owner: { userId: string; grants: Grant[] },
  input: NewApiToken,
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const ceiling = highestRole(owner.grants);
  if (!ceiling || roleRank(input.role) > roleRank(ceiling)) {
    throw new DomainError(
      "forbidden",
      `a token's role cannot be higher than your own (${ceiling ?? "none"})`,
    );
  }
  const token = newToken(apiTokenPrefix, 24);
  const expiresAt = new Date(Date.now() + input.expiresInDays * 24 * 60 * 60 * 1000);
  const row = await db.apiToken.create({
    data: {
      userId: owner.userId,
      name: input.name,
      role: input.role,
      tokenHash: hashToken(token),
      expiresAt,
    },
  });
  return { id: row.id, token, expiresAt };
}

export function listApiTokens(db: PrismaClient, userId: string) {
  return db.apiToken.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    select: {
      id: true,
      name: true,
      role: true,
      createdAt: true,
      expiresAt: true,
      lastUsedAt: true,
      revokedAt: true,
    },
  });
}

export async function revokeApiToken(db: PrismaClient, userId: string, tokenId: string): Promise<void> {
  const { count } = await db.apiToken.updateMany({
    where: { id: tokenId, userId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (count === 0) throw new DomainError("not_found", "no such active token");
}
