import { describe, expect, it } from "vitest";
import { allPermissions, type Permission, permissionScope } from "./permissions.ts";
import { capGrants, type Grant, highestRole, isAllowed, isAllowedAnywhere, type Target } from "./policy.ts";
import { type Role, roles } from "./roles.ts";

const groupA: Target = { kind: "host", hostGroupId: "group-a" };
const groupB: Target = { kind: "host", hostGroupId: "group-b" };
const ungrouped: Target = { kind: "host", hostGroupId: null };
const fleet: Target = { kind: "fleet" };

/** What each role may do, by permission: the expected side of the matrix, written out by hand. */
const expected: Record<Role, (permission: Permission) => boolean> = {
  viewer: (p) => permissionScope(p) === "host" && (p.endsWith(":view") || p === "container:logs"),
  operator: (p) => permissionScope(p) === "host",
  admin: () => true,
};

describe("policy matrix: role × scope × permission", () => {
  for (const role of roles) {
    for (const permission of allPermissions) {
      const want = expected[role](permission);
      const hostPermission = permissionScope(permission) === "host";

      it(`${role} on the fleet ${want ? "may" : "may not"} ${permission}`, () => {
        const grants: Grant[] = [{ role, hostGroupId: null }];
        const target = hostPermission ? groupA : fleet;
        expect(isAllowed(grants, permission, target)).toBe(want);
        if (hostPermission) expect(isAllowed(grants, permission, ungrouped)).toBe(want);
      });

      it(`${role} on group A ${hostPermission && want ? "may" : "may not"} ${permission} in A, never in B`, () => {
        const grants: Grant[] = [{ role, hostGroupId: "group-a" }];
        expect(isAllowed(grants, permission, groupA)).toBe(hostPermission && want);
        expect(isAllowed(grants, permission, groupB)).toBe(false);
        expect(isAllowed(grants, permission, ungrouped)).toBe(false);
        expect(isAllowed(grants, permission, fleet)).toBe(false);
      });
    }
  }
});

describe("grants combine as a union", () => {
  it("viewer on the fleet plus operator on A may stop in A but not in B", () => {
    const grants: Grant[] = [
      { role: "viewer", hostGroupId: null },
      { role: "operator", hostGroupId: "group-a" },
    ];
    expect(isAllowed(grants, "container:operate", groupA)).toBe(true);
    expect(isAllowed(grants, "container:operate", groupB)).toBe(false);
    expect(isAllowed(grants, "container:view", groupB)).toBe(true);
  });

  it("no grants allow nothing", () => {
    for (const permission of allPermissions) expect(isAllowed([], permission, groupA)).toBe(false);
  });

  it("a host permission is allowed somewhere with a group grant; a fleet one is not", () => {
    const grants: Grant[] = [{ role: "admin", hostGroupId: "group-a" }];
    expect(isAllowedAnywhere(grants, "container:exec")).toBe(true);
    expect(isAllowedAnywhere(grants, "user:manage")).toBe(false);
  });
});

describe("token ceilings", () => {
  it("caps an admin's grants at viewer", () => {
    const capped = capGrants([{ role: "admin", hostGroupId: null }], "viewer");
    expect(isAllowed(capped, "container:operate", groupA)).toBe(false);
    expect(isAllowed(capped, "container:view", groupA)).toBe(true);
  });

  it("knows the highest role held", () => {
    expect(
      highestRole([
        { role: "viewer", hostGroupId: null },
        { role: "operator", hostGroupId: "a" },
      ]),
    ).toBe("operator");
    expect(highestRole([])).toBeUndefined();
  });
});
