/** The RBAC decision: given someone's grants, may they do `permission` on the fleet or on one host? */
import { type Permission, permissionScope } from "./permissions.ts";
import { type Role, rolePermissions, roleRank } from "./roles.ts";

/** One role on one scope: the whole fleet (`hostGroupId: null`) or one host group. */
export interface Grant {
  role: Role;
  hostGroupId: string | null;
}

/** What is being acted on: the fleet itself, or a host (in a group or in none). */
export type Target = { kind: "fleet" } | { kind: "host"; hostGroupId: string | null };

function grantCovers(grant: Grant, target: Target): boolean {
  if (grant.hostGroupId === null) return true;
  return target.kind === "host" && target.hostGroupId === grant.hostGroupId;
}

/** Allowed when any grant whose scope covers the target carries the permission. */
export function isAllowed(grants: readonly Grant[], permission: Permission, target: Target): boolean {
  if (permissionScope(permission) === "fleet" && target.kind !== "fleet") return false;
  return grants.some((grant) => grantCovers(grant, target) && rolePermissions[grant.role].has(permission));
}

/** True when the grants allow `permission` somewhere: on the fleet or, for host permissions, in any group. */
export function isAllowedAnywhere(grants: readonly Grant[], permission: Permission): boolean {
  if (permissionScope(permission) === "fleet") return isAllowed(grants, permission, { kind: "fleet" });
  return grants.some((grant) => rolePermissions[grant.role].has(permission));
}

/** Caps grants at a ceiling role (an API token acts with no more than its own role). */
export function capGrants(grants: readonly Grant[], ceiling: Role): Grant[] {
  return grants.map((grant) =>
    roleRank(grant.role) > roleRank(ceiling) ? { ...grant, role: ceiling } : grant,
  );
}

/** The highest role a set of grants holds anywhere (to bound the role of a token a user mints). */
export function highestRole(grants: readonly Grant[]): Role | undefined {
  let best: Role | undefined;
  for (const grant of grants) if (!best || roleRank(grant.role) > roleRank(best)) best = grant.role;
  return best;
}
