"use client";
/** The signed-in console: navigation by what the actor may see, and a redirect to sign-in otherwise. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { type ReactNode, useEffect } from "react";
import { useTRPC } from "../../lib/trpc.ts";
import type { Permission } from "../../server/access/permissions.ts";
import { useMe } from "../_components/me.tsx";

const navigation: { href: string; label: string; requires?: Permission }[] = [
  { href: "/hosts", label: "Hosts" },
  { href: "/users", label: "Users", requires: "user:view" },
  { href: "/teams", label: "Teams", requires: "user:view" },
  { href: "/grants", label: "Grants", requires: "user:view" },
  { href: "/audit", label: "Audit log", requires: "audit:view" },
  { href: "/tokens", label: "API tokens" },
  { href: "/account", label: "Account" },
];

export default function ConsoleLayout({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const queryClient = useQueryClient();
  const me = useMe();
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSuccess: () => {
        queryClient.clear();
        router.replace("/login");
      },
    }),
  );
  useEffect(() => {
    if (me.isSuccess && !me.data) router.replace("/login");
  }, [me.isSuccess, me.data, router]);
  if (!me.data) return <p className="p-8 text-sm text-zinc-500">Loading…</p>;

  const visible = navigation.filter((item) => !item.requires || me.data?.permissions.includes(item.requires));
  return (
    <div className="flex min-h-screen">
      <nav aria-label="Main" className="flex w-56 shrink-0 flex-col border-r border-zinc-800 bg-zinc-950 p-4">
        <p className="mb-6 text-sm font-semibold tracking-widest text-sky-400">DOCKFLEET</p>
        <ul className="space-y-1">
          {visible.map((item) => (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={pathname.startsWith(item.href) ? "page" : undefined}
                className="block rounded-md px-3 py-1.5 text-sm text-zinc-300 hover:bg-zinc-900 aria-[current=page]:bg-zinc-800 aria-[current=page]:text-white"
              >
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
        <div className="mt-auto space-y-2 border-t border-zinc-800 pt-4 text-xs text-zinc-400">
          <p className="truncate" title={me.data.user.email}>
            {me.data.user.email}
          </p>
          <button
            type="button"
            className="text-zinc-300 underline hover:text-white"
            onClick={() => logout.mutate()}
          >
            Sign out
          </button>
        </div>
      </nav>
      <main className="min-w-0 flex-1 p-8">{children}</main>
    </div>
  );
}
