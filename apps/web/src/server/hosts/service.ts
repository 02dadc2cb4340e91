/** The host inventory: hosts and host groups, filtered by what the caller may see. */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { type Grant, isAllowed } from "../access/policy.ts";
import { DomainError } from "../errors.ts";

export async function listHosts(db: PrismaClient, grants: Grant[]) {
  const hosts = await db.host.findMany({
    orderBy: { name: "asc" },
    include: { hostGroup: { select: { id: true, name: true } } },
  });
  return hosts.filter((host) =>
    isAllowed(grants, "host:view", { kind: "host", hostGroupId: host.hostGroupId }),
  );
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
