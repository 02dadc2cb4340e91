/**
 * First run: while no user exists the console holds a one-time setup token (printed at start) that
 * creates the first admin. The setup path closes for good once a user exists.
 */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";
import { hashPassword } from "./passwords.ts";
import { hashToken, newToken, tokenMatches } from "./tokens.ts";

/** A fresh setup token when the console has no users yet (replacing any earlier one), else undefined. */
export async function issueSetupToken(db: PrismaClient): Promise<string | undefined> {
  await db.instance.upsert({ where: { id: 1 }, create: { id: 1 }, update: {} });
  if ((await db.user.count()) > 0) {
    await db.instance.update({ where: { id: 1 }, data: { setupTokenHash: null } });
    return undefined;
  }
  const token = newToken("", 24);
  await db.instance.update({ where: { id: 1 }, data: { setupTokenHash: hashToken(token) } });
  return token;
}

export async function needsSetup(db: PrismaClient): Promise<boolean> {
  return (await db.user.count()) === 0;
}

/** Creates the first admin. Concurrent calls serialize on the instance row: exactly one wins. */
export async function completeSetup(
  db: PrismaClient,
  input: { token: string; email: string; name: string; password: string },
): Promise<{ id: string; email: string; name: string }> {
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ setupTokenHash: string | null }[]>`
      SELECT "setupTokenHash" FROM "Instance" WHERE id = 1 FOR UPDATE`;
    if ((await tx.user.count()) > 0)
      throw new DomainError("conflict", "setup is already done; sign in instead");
    const expected = rows[0]?.setupTokenHash;
    if (!expected || !tokenMatches(input.token, expected)) {
      throw new DomainError(
        "forbidden",
        "the setup link is not valid; use the one printed by the latest start",
      );
    }
    const user = await tx.user.create({
      data: {
        email: input.email.trim().toLowerCase(),
        name: input.name,
        passwordHash,
        passwordChangedAt: new Date(),
      },
      select: { id: true, email: true, name: true },
    });
    await tx.grant.create({ data: { role: "admin", userId: user.id, hostGroupId: null } });
    await tx.instance.update({ where: { id: 1 }, data: { setupTokenHash: null } });
    return user;
  });
}
