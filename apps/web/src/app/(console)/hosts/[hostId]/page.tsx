"use client";
/** One host: its facts and status, live resource charts, its containers, and a log or terminal of one. */
import { useQuery } from "@tanstack/react-query";
import { useParams } from "next/navigation";
import { useMemo, useState } from "react";
import { useTRPC } from "../../../../lib/trpc.ts";
import { useCan } from "../../../_components/me.tsx";
import { ErrorMessage, Notice } from "../../../_components/ui.tsx";
import { ContainerPanel } from "./container-panel.tsx";
import { type Container, ContainersTable, type ContainerView } from "./containers-table.tsx";
import { BackToHosts, HostHeader } from "./host-header.tsx";
import { ResourceCharts } from "./resource-charts.tsx";
import { useStatsHistory } from "./use-stats-history.ts";

/** Status and "last seen" follow the agent this closely. */
const refreshMs = 5_000;

function HostContainers({ hostId, hostGroupId }: { hostId: string; hostGroupId: string | null }) {
  const stats = useStatsHistory(hostId);
  const [opened, setOpened] = useState<{ container: Container; view: ContainerView }>();
  const latest = stats.history.at(-1);
  const samples = useMemo(
    () => new Map(latest?.samples.map((sample) => [sample.containerId, sample])),
    [latest],
  );
  return (
    <div className="space-y-6">
      <ResourceCharts history={stats.history} live={stats.live} error={stats.error} />
      <ContainersTable
        hostId={hostId}
        hostGroupId={hostGroupId}
        samples={samples}
        onOpen={(container, view) => setOpened({ container, view })}
      />
      {opened && (
        <ContainerPanel
          // A new container or view is a new stream: never reuse the old one's state.
          key={`${opened.container.id}-${opened.view}`}
          hostId={hostId}
          container={opened.container}
          view={opened.view}
          onClose={() => setOpened(undefined)}
        />
      )}
    </div>
  );
}

export default function HostPage() {
  const { hostId } = useParams<{ hostId: string }>();
  const trpc = useTRPC();
  const host = useQuery({ ...trpc.hosts.get.queryOptions({ hostId }), refetchInterval: refreshMs });
  const canView = useCan("container:view", host.data?.hostGroupId ?? null);
  if (!host.data) {
    return (
      <div className="space-y-4">
        <BackToHosts />
        {host.error ? <ErrorMessage error={host.error} /> : <p className="text-sm text-zinc-500">Loading…</p>}
      </div>
    );
  }
  return (
    <>
      <HostHeader host={host.data} now={host.dataUpdatedAt} />
      {canView ? (
        <HostContainers hostId={hostId} hostGroupId={host.data.hostGroupId} />
      ) : (
        <Notice>Your grants do not include seeing this host's containers.</Notice>
      )}
    </>
  );
}
