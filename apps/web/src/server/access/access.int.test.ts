import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "../testing/api-client.ts";
import { adminEmail, startTestConsole, type TestConsole, testPassword } from "../testing/console.ts";
import { issueSetupToken } from "./setup.ts";

let fleet: TestConsole;
let admin: ApiClient;

beforeAll(async () => {
  fleet = await startTestConsole();
});
afterAll(async () => {
  await fleet?.stop();
});

const newUser = (email: string) => fleet.invitedUser(admin, email);

describe("first-run setup", () => {
  it("refuses a wrong setup token", async () => {
    await issueSetupToken(fleet.db);
    const result = await fleet.client().mutate("auth.setup", {
      token: "not-the-token",
      email: "x@dockfleet.test",
      name: "X",
      password: testPassword,
    });
    expect(result.ok ? "ok" : result.error.code).toBe("FORBIDDEN");
  });

  it("two concurrent setups with the valid token yield exactly one admin", async () => {
    const token = await issueSetupToken(fleet.db);
    const attempt = (email: string) =>
      fleet.client().mutate("auth.setup", { token, email, name: "Admin", password: testPassword });
    const results = await Promise.all([attempt(adminEmail), attempt("second@dockfleet.test")]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await fleet.db.user.count()).toBe(1);
    const winner = results.find((r) => r.ok);
    expect(winner).toBeDefined();
  });

  it("closes for good once an admin exists", async () => {
    expect(await issueSetupToken(fleet.db)).toBeUndefined();
    const status = await fleet.client().must<{ needsSetup: boolean }>("query", "auth.setupStatus");
    expect(status.needsSetup).toBe(false);
  });
});

describe("sign-in", () => {
  beforeAll(async () => {
    const email = (await fleet.db.user.findFirstOrThrow()).email;
    admin = fleet.client();
    await admin.must("mutate", "auth.login", { email, password: testPassword });
  });

  it("sets an HttpOnly SameSite=Strict session cookie and rotates it at each sign-in", async () => {
    const email = (await fleet.db.user.findFirstOrThrow()).email;
    const client = fleet.client();
    await client.must("mutate", "auth.login", { email, password: testPassword });
    const header = client.lastSetCookie.join("\n");
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Strict/);
    expect(header).toMatch(/Path=\//);
    const first = client.cookie;
    await client.must("mutate", "auth.login", { email, password: testPassword });
    expect(client.cookie).not.toBe(first);
    const stale = fleet.client();
    stale.cookie = first;
    expect(await stale.must("query", "auth.me")).toBeNull();
  });

  it("answers the same for an unknown user and a wrong password", async () => {
    const wrong = await fleet
      .client()
      .mutate("auth.login", { email: adminEmail, password: "wrong password!" });
    const unknown = await fleet
      .client()
      .mutate("auth.login", { email: "nobody@dockfleet.test", password: "whatever12345" });
    expect(wrong.ok || unknown.ok).toBe(false);
    if (!wrong.ok && !unknown.ok) {
      expect(wrong.error).toEqual(unknown.error);
      expect(wrong.error.code).toBe("UNAUTHORIZED");
    }
  });

  it("throttles an account after repeated failures, even with the right password", async () => {
    const { id } = await newUser("throttled@dockfleet.test");
    expect(id).toBeTruthy();
    for (let i = 0; i < 5; i++) {
      await fleet
        .client()
        .mutate("auth.login", { email: "throttled@dockfleet.test", password: `wrong-${i}-password` });
    }
    const result = await fleet
      .client()
      .mutate("auth.login", { email: "throttled@dockfleet.test", password: testPassword });
    expect(result.ok ? "ok" : result.error.code).toBe("TOO_MANY_REQUESTS");
  });

  it("throttles an address after repeated failures across accounts", async () => {
    const spoofed = await fleet.db.loginAttempt.createMany({
      data: Array.from({ length: 20 }, (_, i) => ({
        ip: "127.0.0.1",
        email: `x${i}@dockfleet.test`,
        success: false,
      })),
    });
    expect(spoofed.count).toBe(20);
    const email = (await fleet.db.user.findFirstOrThrow()).email;
    const result = await fleet.client().mutate("auth.login", { email, password: testPassword });
    expect(result.ok ? "ok" : result.error.code).toBe("TOO_MANY_REQUESTS");
    await fleet.db.loginAttempt.deleteMany({ where: { email: { startsWith: "x" } } });
    expect((await fleet.client().mutate("auth.login", { email, password: testPassword })).ok).toBe(true);
  });

  it("a password change ends the account's other sessions and keeps the caller signed in", async () => {
    const { client } = await newUser("changer@dockfleet.test");
    const other = fleet.client();
    await other.must("mutate", "auth.login", { email: "changer@dockfleet.test", password: testPassword });
    const wrong = await client.mutate("auth.changePassword", {
      currentPassword: "not my password",
      newPassword: "a brand new password",
    });
    expect(wrong.ok ? "ok" : wrong.error.code).toBe("BAD_REQUEST");
    await client.must("mutate", "auth.changePassword", {
      currentPassword: testPassword,
      newPassword: "a brand new password",
    });
    expect(await other.must("query", "auth.me")).toBeNull();
    expect(await client.must("query", "auth.me")).not.toBeNull();
    const old = await fleet
      .client()
      .mutate("auth.login", { email: "changer@dockfleet.test", password: testPassword });
    expect(old.ok).toBe(false);
  });

  it("refuses a cross-origin call", async () => {
    const evil = fleet.client({ origin: "http://evil.example" });
    evil.cookie = admin.cookie;
    const result = await evil.mutate("teams.create", { name: "csrf" });
    expect(result.status).toBe(403);
    expect(await fleet.db.team.count({ where: { name: "csrf" } })).toBe(0);
  });
});

describe("roles and scopes over HTTP", () => {
  let groupA: string;
  let groupB: string;
  let hostA: string;
  let hostB: string;

  beforeAll(async () => {
    groupA = (await admin.must<{ id: string }>("mutate", "hosts.createGroup", { name: "group-a" })).id;
    groupB = (await admin.must<{ id: string }>("mutate", "hosts.createGroup", { name: "group-b" })).id;
    hostA = (
      await admin.must<{ id: string }>("mutate", "hosts.create", { name: "host-a", hostGroupId: groupA })
    ).id;
    hostB = (
      await admin.must<{ id: string }>("mutate", "hosts.create", { name: "host-b", hostGroupId: groupB })
    ).id;
  });

  it("a viewer sees hosts but cannot change anything, and the denial is audited", async () => {
    const viewer = await newUser("viewer@dockfleet.test");
    await admin.must("mutate", "grants.create", { role: "viewer", userId: viewer.id, hostGroupId: null });
    const hosts = await viewer.client.must<{ name: string }[]>("query", "hosts.list");
    expect(hosts.map((h) => h.name)).toEqual(["host-a", "host-b"]);
    const denied = await viewer.client.mutate("hosts.create", { name: "sneaky", hostGroupId: null });
    expect(denied.ok ? "ok" : denied.error.code).toBe("FORBIDDEN");
    const audit = await fleet.db.auditEvent.findFirst({
      where: { action: "hosts.create", result: "denied", actorName: "viewer@dockfleet.test" },
    });
    expect(audit).not.toBeNull();
  });

  it("an operator of group A reaches hosts in A and not in B", async () => {
    const operator = await newUser("operator-a@dockfleet.test");
    const team = await admin.must<{ id: string }>("mutate", "teams.create", { name: "ops-a" });
    await admin.must("mutate", "teams.addMember", { teamId: team.id, userId: operator.id });
    await admin.must("mutate", "grants.create", { role: "operator", teamId: team.id, hostGroupId: groupA });
    const listed = await operator.client.must<{ name: string }[]>("query", "hosts.list");
    expect(listed.map((h) => h.name)).toEqual(["host-a"]);
    expect((await operator.client.query("hosts.get", { hostId: hostA })).ok).toBe(true);
    const other = await operator.client.query("hosts.get", { hostId: hostB });
    expect(other.ok ? "ok" : other.error.code).toBe("FORBIDDEN");
    const userAdmin = await operator.client.mutate("users.invite", { email: "x@dockfleet.test", name: "x" });
    expect(userAdmin.ok ? "ok" : userAdmin.error.code).toBe("FORBIDDEN");
    const onboard = await operator.client.mutate("hosts.create", {
      name: "operator-host",
      hostGroupId: groupA,
    });
    expect(onboard.ok ? "ok" : onboard.error.code).toBe("FORBIDDEN");
  });

  it("a disabled user's session stops working at once", async () => {
    const user = await newUser("leaver@dockfleet.test");
    await admin.must("mutate", "grants.create", { role: "viewer", userId: user.id, hostGroupId: null });
    expect((await user.client.query("hosts.list")).ok).toBe(true);
    await admin.must("mutate", "users.disable", { userId: user.id });
    const after = await user.client.query("hosts.list");
    expect(after.ok ? "ok" : after.error.code).toBe("UNAUTHORIZED");
    const again = await fleet
      .client()
      .mutate("auth.login", { email: "leaver@dockfleet.test", password: testPassword });
    expect(again.ok).toBe(false);
  });
});

describe("API tokens", () => {
  it("a viewer-role token of an admin can read but not mutate", async () => {
    const created = await admin.must<{ token: string }>("mutate", "tokens.create", {
      name: "ci",
      role: "viewer",
      expiresInDays: 1,
    });
    const script = fleet.client({ bearer: created.token });
    expect((await script.query("hosts.list")).ok).toBe(true);
    const denied = await script.mutate("hosts.createGroup", { name: "from-token" });
    expect(denied.ok ? "ok" : denied.error.code).toBe("FORBIDDEN");
    const minted = await script.mutate("tokens.create", { name: "more", role: "viewer", expiresInDays: 1 });
    expect(minted.ok ? "ok" : minted.error.code).toBe("FORBIDDEN");
  });

  it("an admin-role token can mutate; once revoked it is refused", async () => {
    const created = await admin.must<{ id: string; token: string }>("mutate", "tokens.create", {
      name: "deploy",
      role: "admin",
      expiresInDays: 1,
    });
    const script = fleet.client({ bearer: created.token });
    expect((await script.mutate("hosts.createGroup", { name: "from-admin-token" })).ok).toBe(true);
    await admin.must("mutate", "tokens.revoke", { tokenId: created.id });
    const after = await script.query("hosts.list");
    expect(after.ok ? "ok" : after.error.code).toBe("UNAUTHORIZED");
  });

  it("an expired token is refused", async () => {
    const created = await admin.must<{ id: string; token: string }>("mutate", "tokens.create", {
      name: "old",
      role: "viewer",
      expiresInDays: 1,
    });
    await fleet.db.apiToken.update({
      where: { id: created.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const result = await fleet.client({ bearer: created.token }).query("hosts.list");
    expect(result.ok ? "ok" : result.error.code).toBe("UNAUTHORIZED");
  });

  it("a user cannot mint a token above their own role", async () => {
    const viewer = await newUser("tokenviewer@dockfleet.test");
    await admin.must("mutate", "grants.create", { role: "viewer", userId: viewer.id, hostGroupId: null });
    const result = await viewer.client.mutate("tokens.create", {
      name: "up",
      role: "admin",
      expiresInDays: 1,
    });
    expect(result.ok ? "ok" : result.error.code).toBe("FORBIDDEN");
  });
});

describe("audit log", () => {
  it("is hash-chained, verifies, and refuses updates and deletes", async () => {
    const verdict = await admin.must<{ ok: boolean; checked: number }>("query", "audit.verify");
    expect(verdict.ok).toBe(true);
    expect(verdict.checked).toBeGreaterThan(10);
    await expect(
      fleet.db.$executeRaw`UPDATE "AuditEvent" SET result = 'ok' WHERE result = 'denied'`,
    ).rejects.toThrow(/append-only/);
    await expect(fleet.db.$executeRaw`DELETE FROM "AuditEvent"`).rejects.toThrow(/append-only/);
  });

  it("detects a record edited behind the trigger's back", async () => {
    await fleet.db.$transaction([
      fleet.db.$executeRaw`ALTER TABLE "AuditEvent" DISABLE TRIGGER USER`,
      fleet.db
        .$executeRaw`UPDATE "AuditEvent" SET "actorName" = 'someone-else' WHERE id = (SELECT min(id) + 1 FROM "AuditEvent")`,
      fleet.db.$executeRaw`ALTER TABLE "AuditEvent" ENABLE TRIGGER USER`,
    ]);
    const verdict = await admin.must<{ ok: boolean; brokenAt?: string }>("query", "audit.verify");
    expect(verdict.ok).toBe(false);
    expect(verdict.brokenAt).toBeDefined();
  });

  it("exports CSV for admins only", async () => {
    const response = await fetch(`${fleet.url}/api/audit.csv?result=denied`, {
      headers: { cookie: admin.cookie ?? "" },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const [header, ...rows] = text.trim().split("\n");
    expect(header).toMatch(/^id,at,actorType,actor,action/);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.includes('"denied"'))).toBe(true);
    const anonymous = await fetch(`${fleet.url}/api/audit.csv`);
    expect(anonymous.status).toBe(401);
  });
});
