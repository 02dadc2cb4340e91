/** User management: list, invite (a user plus a one-time link), disable and enable. */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { issueInvite } from "../access/invites.ts";
import { endUserSessions } from "../access/sessions.ts";
import { DomainError } from "../errors.ts";

export function listUsers(db: PrismaClient) {
  return db.user
    .findMany({
      orderBy: { email: "asc" },
      select: {
        id: true,
        email: true,
        name: true,
        createdAt: true,
        disabledAt: true,
        passwordHash: true,
        memberships: { select: { team: { select: { id: true, name: true } } } },
      },
    })
    .then((users) =>
      users.map(({ passwordHash, memberships, ...user }) => ({
        ...user,
        invited: passwordHash === null,
        teams: memberships.map((m) => m.team),
      })),
    );
}

function inviteUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/invite?token=${encodeURIComponent(token)}`;
}

export async function inviteUser(
  db: PrismaClient,
  publicUrl: string,
  input: { email: string; name: string },
) {
  const email = input.email.trim().toLowerCase();
  if (await db.user.findUnique({ where: { email } }))
    throw new DomainError("conflict", `${email} already has an account`);
  const user = await db.user.create({
    data: { email, name: input.name },
    select: { id: true, email: true, name: true },
  });
  const invite = await issueInvite(db, user.id);
  return { user, inviteUrl: inviteUrl(publicUrl, invite.token), expiresAt: invite.expiresAt };
}

export async function reissueInvite(db: PrismaClient, publicUrl: string, userId: string) {
  const user = await db.user.findUnique({ where: { id: userId } });
  if (!user) throw new DomainError("not_found", "no such user");
  if (user.passwordHash) throw new DomainError("conflict", `${user.email} has already set a password`);
  const invite = await issueInvite(db, userId);
  return { inviteUrl: inviteUrl(publicUrl, invite.token), expiresAt: invite.expiresAt };
}

/** Disabling ends the user's sessions at once; their API tokens stop working too (checked on use). */
export async function setUserDisabled(db: PrismaClient, actorId: string, userId: string, disabled: boolean) {
  if (disabled && actorId === userId) throw new DomainError("invalid", "you cannot disable your own account");
  const { count } = await db.user.updateMany({
    where: { id: userId },
    data: { disabledAt: disabled ? new Date() : null },
  });
  if (count === 0) throw new DomainError("not_found", "no such user");
  if (disabled) await endUserSessions(db, userId);
}
