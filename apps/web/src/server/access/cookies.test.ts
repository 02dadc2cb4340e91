import { describe, expect, it } from "vitest";
import { clearedSessionCookie, sessionCookie, sessionCookiePolicy } from "./cookies.ts";

describe("session cookie", () => {
  it("is __Host- prefixed and Secure behind https", () => {
    const policy = sessionCookiePolicy("https://fleet.example.com");
    const cookie = sessionCookie(policy, "tok", new Date("2030-01-01T00:00:00Z"));
    expect(cookie).toMatch(/^__Host-dockfleet_session=tok; /);
    expect(cookie).toContain("; Secure");
    expect(cookie).toContain("; HttpOnly");
    expect(cookie).toContain("; SameSite=Strict");
    expect(cookie).toContain("; Path=/");
    expect(cookie).not.toMatch(/Domain=/);
  });

  it("relaxes Secure only for plain http on localhost", () => {
    expect(sessionCookiePolicy("http://localhost:3000")).toEqual({
      name: "dockfleet_session",
      secure: false,
    });
    expect(sessionCookiePolicy("http://127.0.0.1:3000").secure).toBe(false);
    expect(sessionCookiePolicy("http://10.0.0.5:3000")).toEqual({
      name: "__Host-dockfleet_session",
      secure: true,
    });
  });

  it("clears with an expiry in the past", () => {
    expect(clearedSessionCookie(sessionCookiePolicy("http://localhost:3000"))).toMatch(
      /Expires=Thu, 01 Jan 1970/,
    );
  });
});
