/**
 * Every permission of the console, in one registry. A procedure is built from the permission it
 * needs (`fleetProcedure("user:manage")`, `hostProcedure("container:stop")`); roles are sets of these.
 */

type Scope = "fleet" | "host";

interface PermissionInfo {
  /** `fleet`: granted only by a fleet-wide grant. `host`: by a grant on the whole fleet or on the host's group. */
  scope: Scope;
  description: string;
}

export const permissions = {
  "host:view": { scope: "host", description: "See hosts, their facts and status" },
  "host:onboard": { scope: "fleet", description: "Add hosts (SSH onboarding, enrollment tokens)" },
  "host:manage": { scope: "fleet", description: "Edit, revoke and remove hosts; manage host groups" },
  "container:view": { scope: "host", description: "List and inspect containers, see stats and topology" },
  "container:logs": { scope: "host", description: "Read container logs" },
  "container:operate": {
    scope: "host",
    description: "Create, start, stop, restart, kill, remove containers",
  },
  "container:exec": { scope: "host", description: "Open a terminal in a container" },
  "image:view": { scope: "host", description: "List and inspect images" },
  "image:manage": { scope: "host", description: "Pull, push, build, tag and remove images" },
  "volume:view": { scope: "host", description: "List and inspect volumes and backups" },
  "volume:manage": { scope: "host", description: "Create and remove volumes" },
  "volume:backup": { scope: "host", description: "Run and schedule volume backups" },
  "volume:restore": { scope: "host", description: "Restore a backup into a volume" },
  "network:view": { scope: "host", description: "List and inspect networks" },
  "network:manage": { scope: "host", description: "Create, remove, connect and disconnect networks" },
  "user:view": { scope: "fleet", description: "See users and teams" },
  "user:manage": { scope: "fleet", description: "Invite, disable users; manage teams and grants" },
  "audit:view": { scope: "fleet", description: "Read and export the audit log" },
} as const satisfies Record<string, PermissionInfo>;

export type Permission = keyof typeof permissions;

export const allPermissions = Object.keys(permissions) as Permission[];

export function permissionScope(permission: Permission): Scope {
  return permissions[permission].scope;
}
