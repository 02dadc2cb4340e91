"use client";
/** The host's containers with their state, ports and latest usage; what one may do with each. */
import type { StatsSample } from "@dockfleet/runtime";
import { useQuery } from "@tanstack/react-query";
import { type RouterOutputs, useTRPC } from "../../../../lib/trpc.ts";
import { bytes } from "../../../_components/format.ts";
import { useCan } from "../../../_components/me.tsx";
import { Badge, Button, ErrorMessage, Table } from "../../../_components/ui.tsx";
import { ContainerActions } from "./container-actions.tsx";

export type Container = RouterOutputs["containers"]["list"][number];
export type ContainerView = "logs" | "terminal";

/** State changes made elsewhere (the CLI, a restart policy) show up this soon. */
const refreshMs = 5_000;

const stateTones: Record<string, "good" | "bad" | "warn" | "neutral"> = {
  running: "good",
  restarting: "warn",
  paused: "warn",
  exited: "bad",
  dead: "bad",
};

/** Published ports as `docker ps` prints them: 0.0.0.0:8080->80/tcp, or 80/tcp when not published. */
function ports(container: Container): string {
  if (container.ports.length === 0) return "—";
  return container.ports
    .map((port) => {
      const inside = `${port.containerPort}/${port.protocol}`;
      return port.hostPort === undefined ? inside : `${port.hostIp ?? "0.0.0.0"}:${port.hostPort}->${inside}`;
    })
    .join(", ");
}

function Usage({ sample }: { sample: StatsSample | undefined }) {
  if (!sample) return <span className="text-zinc-500">—</span>;
  return (
    <span className="tabular-nums">
      {sample.cpuPercent === null ? "…" : `${sample.cpuPercent.toFixed(1)} %`}
      <span className="text-zinc-500"> · </span>
      {bytes(sample.memoryUsage)}
    </span>
  );
}

export function ContainersTable({
  hostId,
  hostGroupId,
  samples,
  onOpen,
}: {
  hostId: string;
  hostGroupId: string | null;
  /** The latest sweep's samples by container id. */
  samples: ReadonlyMap<string, StatsSample>;
  onOpen(container: Container, view: ContainerView): void;
}) {
  const trpc = useTRPC();
  const containers = useQuery({
    ...trpc.containers.list.queryOptions({ hostId, all: true }),
    refetchInterval: refreshMs,
  });
  const canOperate = useCan("container:operate", hostGroupId);
  const canReadLogs = useCan("container:logs", hostGroupId);
  const canExec = useCan("container:exec", hostGroupId);
  return (
    <div className="space-y-2">
      <ErrorMessage error={containers.error} />
      <Table
        head={["Container", "Image", "State", "Ports", "CPU · Memory", ""]}
        empty={containers.data?.length === 0 ? "No containers on this host." : undefined}
      >
        {containers.data?.map((container) => (
          <tr key={container.id} data-testid="container-row" data-state={container.state}>
            <td className="px-4 py-2 font-medium" title={container.id}>
              {container.name}
            </td>
            <td className="max-w-48 truncate px-4 py-2 text-zinc-300" title={container.image}>
              {container.image}
            </td>
            <td className="px-4 py-2">
              <Badge tone={stateTones[container.state] ?? "neutral"}>{container.state}</Badge>
              <span className="block text-xs text-zinc-400">{container.status}</span>
            </td>
            <td className="px-4 py-2 font-mono text-xs text-zinc-300">{ports(container)}</td>
            <td className="px-4 py-2 text-zinc-300">
              <Usage sample={samples.get(container.id)} />
            </td>
            <td className="px-4 py-2">
              <div className="flex flex-wrap items-start justify-end gap-2">
                {canOperate && <ContainerActions hostId={hostId} container={container} />}
                {canReadLogs && (
                  <Button variant="secondary" onClick={() => onOpen(container, "logs")}>
                    Logs
                  </Button>
                )}
                {canExec && container.state === "running" && (
                  <Button variant="secondary" onClick={() => onOpen(container, "terminal")}>
                    Terminal
                  </Button>
                )}
              </div>
            </td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
