/** Changing one's own password ends every session of the account (the caller gets a fresh one). */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { endUserSessions } from "./sessions.ts";

export async function changePassword(
  db: PrismaClient,
  userId: string,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new DomainError("invalid", "the current password is wrong");
  }
  if (input.currentPassword === input.newPassword) {
    throw new DomainError("invalid", "the new password must differ from the current one");
  }
  await db.user.update({
    where: { id: userId },
    data: { passwordHash: await hashPassword(input.newPassword), passwordChangedAt: new Date() },
  });
  await endUserSessions(db, userId);
}
