import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../db/testing.ts";
import {
  createSession,
  endUserSessions,
  resolveSession,
  sessionAbsoluteMs,
  sessionIdleMs,
} from "./sessions.ts";
import { hashToken } from "./tokens.ts";

let database: TestDatabase;
let userId: string;
const client = { ip: "127.0.0.1", userAgent: "vitest" };

beforeAll(async () => {
  database = await createTestDatabase();
  userId = (await database.prisma.user.create({ data: { email: "s@dockfleet.test", name: "S" } })).id;
});
afterAll(async () => {
  await database?.drop();
});

describe("sessions", () => {
  it("stores only the token's hash and resolves the token to its user", async () => {
    const { token } = await createSession(database.prisma, userId, client);
    expect(await database.prisma.session.findUnique({ where: { id: token } })).toBeNull();
    expect(await database.prisma.session.findUnique({ where: { id: hashToken(token) } })).not.toBeNull();
    expect((await resolveSession(database.prisma, token))?.user.id).toBe(userId);
  });

  it("tokens carry at least 128 bits of randomness", async () => {
    const { token } = await createSession(database.prisma, userId, client);
    expect(Buffer.from(token, "base64url").length).toBeGreaterThanOrEqual(16);
  });

  it("ends after the idle timeout", async () => {
    const { token } = await createSession(database.prisma, userId, client);
    await database.prisma.session.update({
      where: { id: hashToken(token) },
      data: { lastSeenAt: new Date(Date.now() - sessionIdleMs - 1000) },
    });
    expect(await resolveSession(database.prisma, token)).toBeUndefined();
    expect(await database.prisma.session.findUnique({ where: { id: hashToken(token) } })).toBeNull();
  });

  it("ends at the absolute timeout even when used all along", async () => {
    const { token } = await createSession(database.prisma, userId, client);
    await database.prisma.session.update({
      where: { id: hashToken(token) },
      data: { createdAt: new Date(Date.now() - sessionAbsoluteMs), expiresAt: new Date(Date.now() - 1) },
    });
    expect(await resolveSession(database.prisma, token)).toBeUndefined();
  });

  it("ends every session of a user at once", async () => {
    const a = await createSession(database.prisma, userId, client);
    const b = await createSession(database.prisma, userId, client);
    await endUserSessions(database.prisma, userId);
    expect(await resolveSession(database.prisma, a.token)).toBeUndefined();
    expect(await resolveSession(database.prisma, b.token)).toBeUndefined();
  });
});
