/** Loading someone's grants: their own plus those of every team they belong to. */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Grant } from "./policy.ts";

export async function loadGrants(db: PrismaClient, userId: string): Promise<Grant[]> {
  const rows = await db.grant.findMany({
    where: { OR: [{ userId }, { team: { members: { some: { userId } } } }] },
    select: { role: true, hostGroupId: true },
  });
  return rows;
}
