/** Grants: a role for a user or team on the fleet or one host group. */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Role } from "../access/roles.ts";
import { DomainError } from "../errors.ts";

export function listGrants(db: PrismaClient) {
  return db.grant.findMany({
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      role: true,
      createdAt: true,
      user: { select: { id: true, email: true } },
      team: { select: { id: true, name: true } },
      hostGroup: { select: { id: true, name: true } },
    },
  });
}

export async function createGrant(
  db: PrismaClient,
  input: { role: Role; userId?: string; teamId?: string; hostGroupId: string | null },
) {
  const [user, team, group] = await Promise.all([
    input.userId ? db.user.findUnique({ where: { id: input.userId } }) : undefined,
    input.teamId ? db.team.findUnique({ where: { id: input.teamId } }) : undefined,
    input.hostGroupId ? db.hostGroup.findUnique({ where: { id: input.hostGroupId } }) : undefined,
  ]);
  if (input.userId && !user) throw new DomainError("not_found", "no such user");
  if (input.teamId && !team) throw new DomainError("not_found", "no such team");
  if (input.hostGroupId && !group) throw new DomainError("not_found", "no such host group");
  return db.grant.create({ data: input, select: { id: true } });
}

/** Revoking is refused when it would leave the fleet without an enabled admin. */
export async function revokeGrant(db: PrismaClient, grantId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const grant = await tx.grant.findUnique({ where: { id: grantId } });
    if (!grant) throw new DomainError("not_found", "no such grant");
    if (grant.role === "admin" && grant.hostGroupId === null) {
      const otherAdmins = await tx.user.count({
        where: {
          disabledAt: null,
          passwordHash: { not: null },
          OR: [
            { grants: { some: { role: "admin", hostGroupId: null, id: { not: grantId } } } },
            {
              memberships: {
                some: {
                  team: { grants: { some: { role: "admin", hostGroupId: null, id: { not: grantId } } } },
                },
              },
            },
          ],
        },
      });
      if (otherAdmins === 0)
        throw new DomainError(
          "conflict",
          "this is the last fleet admin grant; grant admin to someone else first",
        );
    }
    await tx.grant.delete({ where: { id: grantId } });
  });
}
