"use client";
/** The signed-in actor for the console's pages, and a gate that hides what their grants do not allow. */
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTRPC } from "../../lib/trpc.ts";
import type { Permission } from "../../server/access/permissions.ts";

export function useMe() {
  const trpc = useTRPC();
  return useQuery(trpc.auth.me.queryOptions());
}

/** True when the actor holds `permission` somewhere (or, with `hostGroupId`, on that group). */
export function useCan(permission: Permission, hostGroupId?: string | null): boolean {
  const { data: me } = useMe();
  const scope = me?.scopes[permission];
  if (!scope) return false;
  if (scope === "fleet" || hostGroupId === undefined) return true;
  return hostGroupId !== null && scope.includes(hostGroupId);
}

export function Can({
  permission,
  hostGroupId,
  children,
}: {
  permission: Permission;
  hostGroupId?: string | null;
  children: ReactNode;
}) {
  return useCan(permission, hostGroupId) ? children : null;
}
