/** Sign-in with email and password, rate limited per address and per account across replicas. */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";
import { decoyPasswordHash, verifyPassword } from "./passwords.ts";
import { createSession, type SessionUser } from "./sessions.ts";

export const loginWindowMs = 15 * 60 * 1000;
export const maxFailuresPerAccount = 5;
export const maxFailuresPerAddress = 20;

export interface Client {
  ip: string;
  userAgent?: string;
}

async function assertNotThrottled(db: PrismaClient, email: string, ip: string): Promise<void> {
  const since = new Date(Date.now() - loginWindowMs);
  const [byAccount, byAddress] = await Promise.all([
    db.loginAttempt.count({ where: { email, success: false, at: { gt: since } } }),
    db.loginAttempt.count({ where: { ip, success: false, at: { gt: since } } }),
  ]);
  if (byAccount >= maxFailuresPerAccount || byAddress >= maxFailuresPerAddress) {
    throw new DomainError("rate_limited", "too many failed sign-ins; wait 15 minutes and try again");
  }
}

/**
 * Returns a new session for valid credentials. A wrong password, an unknown email and a disabled
 * account all get the same answer after the same work, so the response does not reveal who exists.
 */
export async function login(
  db: PrismaClient,
  credentials: { email: string; password: string },
  client: Client,
): Promise<{ token: string; expiresAt: Date; user: SessionUser }> {
  const email = credentials.email.trim().toLowerCase();
  await assertNotThrottled(db, email, client.ip);
  const user = await db.user.findUnique({ where: { email } });
  const usable = user?.passwordHash && !user.disabledAt ? user : undefined;
  const valid = await verifyPassword(
    usable?.passwordHash ?? (await decoyPasswordHash()),
    credentials.password,
  );
  await db.loginAttempt.create({ data: { email, ip: client.ip, success: valid && !!usable } });
  if (!valid || !usable) throw new DomainError("unauthorized", "email or password is wrong");
  const session = await createSession(db, usable.id, client);
  return { ...session, user: { id: usable.id, email: usable.email, name: usable.name } };
}
