/** Browser sessions: random 128-bit tokens in a cookie, stored hashed, with idle and absolute timeouts. */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { hashToken, newToken } from "./tokens.ts";

export const sessionIdleMs = 12 * 60 * 60 * 1000;
export const sessionAbsoluteMs = 7 * 24 * 60 * 60 * 1000;
// Writing lastSeenAt on every request would make every read a write; a minute's precision is enough.
const touchEveryMs = 60 * 1000;

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

export async function createSession(
  db: PrismaClient,
  userId: string,
  client: { ip: string; userAgent?: string },
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + sessionAbsoluteMs);
  await db.session.create({
    data: {
      id: hashToken(token),
      userId,
      expiresAt,
      ip: client.ip,
      userAgent: client.userAgent?.slice(0, 300),
    },
  });
  return { token, expiresAt };
}

/** The session's user, or undefined when the token is unknown, idle too long, expired, or its user disabled. */
export async function resolveSession(
  db: PrismaClient,
  token: string,
): Promise<{ sessionId: string; user: SessionUser } | undefined> {
  const id = hashToken(token);
  const session = await db.session.findUnique({
    where: { id },
    include: { user: { select: { id: true, email: true, name: true, disabledAt: true } } },
  });
  if (!session) return undefined;
  const now = Date.now();
  const stale = session.expiresAt.getTime() <= now || session.lastSeenAt.getTime() + sessionIdleMs <= now;
  if (stale || session.user.disabledAt) {
    await db.session.deleteMany({ where: { id } });
    return undefined;
  }
  if (now - session.lastSeenAt.getTime() > touchEveryMs) {
    await db.session.updateMany({ where: { id }, data: { lastSeenAt: new Date(now) } });
  }
  const { disabledAt: _disabled, ...user } = session.user;
  return { sessionId: id, user };
}

export async function endSession(db: PrismaClient, token: string): Promise<void> {
  await db.session.deleteMany({ where: { id: hashToken(token) } });
}

/** Ends every session of a user at once (disable, password change). */
export async function endUserSessions(
  db: PrismaClient,
  userId: string,
  exceptSessionId?: string,
): Promise<void> {
  await db.session.deleteMany({
    where: { userId, ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}) },
  });
}
