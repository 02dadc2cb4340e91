/** What the browser learns about the signed-in actor: who, and which permissions they hold where. */
import type { Actor } from "./actor.ts";
import { allPermissions, type Permission, permissionScope } from "./permissions.ts";
import { isAllowedAnywhere } from "./policy.ts";

export interface Me {
  user: { id: string; email: string; name: string };
  via: "session" | "token";
  /** Permissions held on the fleet or on at least one host group: the UI shows what these allow. */
  permissions: Permission[];
  /** Host groups per host permission, or "fleet" when held fleet-wide. */
  scopes: Partial<Record<Permission, "fleet" | string[]>>;
}

export function describeActor(actor: Actor): Me {
  const permissions = allPermissions.filter((permission) => isAllowedAnywhere(actor.grants, permission));
  const scopes: Me["scopes"] = {};
  for (const permission of permissions) {
    if (permissionScope(permission) === "fleet") {
      scopes[permission] = "fleet";
      continue;
    }
    const grants = actor.grants.filter((grant) => isAllowedAnywhere([grant], permission));
    scopes[permission] = grants.some((grant) => grant.hostGroupId === null)
      ? "fleet"
      : grants.map((grant) => grant.hostGroupId as string);
  }
  return { user: actor.user, via: actor.kind === "user" ? "session" : "token", permissions, scopes };
}
