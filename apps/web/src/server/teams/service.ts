/** Teams: named sets of users that grants can be given to. */
import { Prisma, type PrismaClient } from "../../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";

export function listTeams(db: PrismaClient) {
  return db.team.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      createdAt: true,
      members: { select: { user: { select: { id: true, email: true, name: true } } } },
    },
  });
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

export async function createTeam(db: PrismaClient, name: string) {
  try {
    return await db.team.create({ data: { name }, select: { id: true, name: true } });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError("conflict", `a team named "${name}" exists already`);
    throw error;
  }
}

export async function removeTeam(db: PrismaClient, teamId: string): Promise<void> {
  const { count } = await db.team.deleteMany({ where: { id: teamId } });
  if (count === 0) throw new DomainError("not_found", "no such team");
}

export async function addTeamMember(
  db: PrismaClient,
  input: { teamId: string; userId: string },
): Promise<void> {
  const [team, user] = await Promise.all([
    db.team.findUnique({ where: { id: input.teamId } }),
    db.user.findUnique({ where: { id: input.userId } }),
  ]);
  if (!team) throw new DomainError("not_found", "no such team");
  if (!user) throw new DomainError("not_found", "no such user");
  await db.teamMember.upsert({ where: { teamId_userId: input }, create: input, update: {} });
}

export async function removeTeamMember(
  db: PrismaClient,
  input: { teamId: string; userId: string },
): Promise<void> {
  const { count } = await db.teamMember.deleteMany({ where: input });
  if (count === 0) throw new DomainError("not_found", "that user is not in that team");
}
