/** The centred card the signed-out pages (sign-in, setup, invite) share. */
import type { ReactNode } from "react";

export function AuthCard({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle?: string;
  children: ReactNode;
}) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm space-y-6">
        <div className="text-center">
          <p className="text-sm font-semibold tracking-widest text-sky-400">DOCKFLEET</p>
          <h1 className="mt-2 text-2xl font-semibold">{title}</h1>
          {subtitle && <p className="mt-1 text-sm text-zinc-400">{subtitle}</p>}
        </div>
        <div className="rounded-lg border border-zinc-800 bg-zinc-900/60 p-6">{children}</div>
      </div>
    </main>
  );
}
