/** Who is calling: a signed-in user (session cookie) or a script (API token), with their grants. */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { RequestMeta } from "../http/request-meta.ts";
import { resolveApiToken } from "./api-tokens.ts";
import type { CookiePolicy } from "./cookies.ts";
import { loadGrants } from "./grants.ts";
import { capGrants, type Grant } from "./policy.ts";
import { resolveSession, type SessionUser } from "./sessions.ts";

export type Actor =
  | { kind: "user"; user: SessionUser; sessionId: string; grants: Grant[] }
  | { kind: "token"; user: SessionUser; tokenId: string; grants: Grant[] };

function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

export async function resolveActor(
  db: PrismaClient,
  request: RequestMeta,
  cookie: CookiePolicy,
): Promise<Actor | undefined> {
  const bearer = bearerToken(request.authorization);
  if (bearer) {
    const token = await resolveApiToken(db, bearer);
    if (!token) return undefined;
    const grants = capGrants(await loadGrants(db, token.user.id), token.role);
    return { kind: "token", user: token.user, tokenId: token.id, grants };
  }
  const sessionToken = request.cookies[cookie.name];
  if (!sessionToken) return undefined;
  const session = await resolveSession(db, sessionToken);
  if (!session) return undefined;
  return { kind: "user", ...session, grants: await loadGrants(db, session.user.id) };
}
