/**
 * The session cookie. `__Host-` + Secure everywhere except a console served over plain http on
 * localhost, where browsers would drop a Secure cookie set by an http response on other hosts.
 */

export interface CookiePolicy {
  name: string;
  secure: boolean;
}

const localHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function sessionCookiePolicy(publicUrl: string): CookiePolicy {
  const url = new URL(publicUrl);
  const plainLocal = url.protocol === "http:" && localHosts.has(url.hostname);
  return plainLocal
    ? { name: "dockfleet_session", secure: false }
    : { name: "__Host-dockfleet_session", secure: true };
}

export function sessionCookie(policy: CookiePolicy, token: string, expiresAt: Date): string {
  const attributes = ["Path=/", "HttpOnly", "SameSite=Strict", `Expires=${expiresAt.toUTCString()}`];
  if (policy.secure) attributes.push("Secure");
  return [`${policy.name}=${token}`, ...attributes].join("; ");
}

export function clearedSessionCookie(policy: CookiePolicy): string {
  return sessionCookie(policy, "", new Date(0));
}
