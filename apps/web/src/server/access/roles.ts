/** The roles and the permissions each one carries. Effective permissions are the union over grants. */
import { allPermissions, type Permission } from "./permissions.ts";

export const roles = ["viewer", "operator", "admin"] as const;
export type Role = (typeof roles)[number];

const viewer: Permission[] = [
  "host:view",
  "container:view",
  "container:logs",
  "image:view",
  "volume:view",
  "network:view",
];

const operator: Permission[] = [
  ...viewer,
  "container:operate",
  "container:exec",
  "image:manage",
  "volume:manage",
  "volume:backup",
  "volume:restore",
  "network:manage",
];

export const rolePermissions: Record<Role, ReadonlySet<Permission>> = {
  viewer: new Set(viewer),
  operator: new Set(operator),
  admin: new Set(allPermissions),
};

/** Orders roles so "no higher than" can be checked (API tokens, invitations). */
export function roleRank(role: Role): number {
  return roles.indexOf(role);
}
