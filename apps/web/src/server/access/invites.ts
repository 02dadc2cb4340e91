/** Invitations: an admin creates a user and hands them a one-time link to choose their password. */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";
import { hashPassword } from "./passwords.ts";
import { hashToken, newToken } from "./tokens.ts";

export const inviteTtlMs = 7 * 24 * 60 * 60 * 1000;

/** A new invite token for the user, replacing any unused one. */
export async function issueInvite(
  db: PrismaClient,
  userId: string,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken("", 24);
  const expiresAt = new Date(Date.now() + inviteTtlMs);
  await db.$transaction([
    db.invite.deleteMany({ where: { userId, usedAt: null } }),
    db.invite.create({ data: { id: hashToken(token), userId, expiresAt } }),
  ]);
  return { token, expiresAt };
}

export async function acceptInvite(
  db: PrismaClient,
  input: { token: string; password: string },
): Promise<{ id: string; email: string; name: string }> {
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    const invite = await tx.invite.findUnique({
      where: { id: hashToken(input.token) },
      include: { user: true },
    });
    if (!invite || invite.usedAt || invite.expiresAt.getTime() <= Date.now() || invite.user.disabledAt) {
      throw new DomainError(
        "forbidden",
        "this invite link is not valid any more; ask an admin for a new one",
      );
    }
    // Claim the invite first so two concurrent acceptances cannot both succeed.
    const claimed = await tx.invite.updateMany({
      where: { id: invite.id, usedAt: null },
      data: { usedAt: new Date() },
    });
    if (claimed.count !== 1) throw new DomainError("conflict", "this invite link was just used");
    return tx.user.update({
      where: { id: invite.userId },
      data: { passwordHash, passwordChangedAt: new Date() },
      select: { id: true, email: true, name: true },
    });
  });
}
