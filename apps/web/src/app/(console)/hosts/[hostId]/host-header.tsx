"use client";
/** One host's name, whether its agent is online, and the facts the agent reported at its last hello. */
import Link from "next/link";
import type { ReactNode } from "react";
import type { RouterOutputs } from "../../../../lib/trpc.ts";
import { ago, bytes } from "../../../_components/format.ts";
import { Badge, PageHeader } from "../../../_components/ui.tsx";

type Host = RouterOutputs["hosts"]["get"];

const stateLabels: Record<Host["state"], string> = {
  online: "online",
  offline: "offline",
  revoked: "revoked",
  pending: "waiting for agent",
};

function Fact({ label, title, children }: { label: string; title?: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs uppercase tracking-wide text-zinc-500">{label}</dt>
      <dd className="mt-0.5 space-x-2 text-sm text-zinc-200" title={title}>
        {children}
      </dd>
    </div>
  );
}

export function BackToHosts() {
  return (
    <Link href="/hosts" className="text-sm text-sky-400 hover:underline">
      ← All hosts
    </Link>
  );
}

export function HostHeader({ host, now }: { host: Host; now: number }) {
  return (
    <>
      <PageHeader
        title={host.name}
        description="Containers, live resource usage, logs and terminals of this host."
        actions={<BackToHosts />}
      />
      <dl className="mb-6 grid grid-cols-2 gap-4 rounded-lg border border-zinc-800 bg-zinc-900/60 p-4 sm:grid-cols-3 lg:grid-cols-6">
        <Fact label="Status">
          <span data-testid="host-status">
            <Badge tone={host.state === "online" ? "good" : "bad"}>{stateLabels[host.state]}</Badge>
          </span>
          <span className="text-xs text-zinc-400">last seen {ago(host.lastSeenAt, now)}</span>
        </Fact>
        <Fact label="Docker">{host.dockerVersion ?? "—"}</Fact>
        <Fact label="OS" title={host.kernel ?? undefined}>
          {host.os ?? "—"}
        </Fact>
        <Fact label="Architecture">{host.architecture ?? "—"}</Fact>
        <Fact label="CPUs">{host.cpus ?? "—"}</Fact>
        <Fact label="Memory">{bytes(host.memoryBytes)}</Fact>
      </dl>
      {host.factsError && <p className="-mt-4 mb-6 text-xs text-amber-300">{host.factsError}</p>}
    </>
  );
}
