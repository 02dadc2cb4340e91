"use client";
/** The fleet's hosts: live agent status and facts, adding a host by hand (one-line install), revoking, removing. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { type RouterOutputs, useTRPC } from "../../../lib/trpc.ts";
import { ago, bytes } from "../../_components/format.ts";
import { Can, useCan } from "../../_components/me.tsx";
import {
  Badge,
  Button,
  Card,
  ErrorMessage,
  Field,
  Input,
  PageHeader,
  Select,
  Table,
} from "../../_components/ui.tsx";
import { type Enrollment, InstallCommand, type Removal, RemovedHost } from "./host-commands.tsx";

type Host = RouterOutputs["hosts"]["list"][number];

/** The list refreshes this often, so status and "last seen" follow the agents. */
const refreshMs = 2_500;

function NewHostGroup() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const create = useMutation(
    trpc.hosts.createGroup.mutationOptions({
      onSuccess: () => {
        setName("");
        return queryClient.invalidateQueries({ queryKey: trpc.hosts.groups.queryKey() });
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name });
  };
  return (
    <form onSubmit={submit} className="flex items-end gap-2">
      <Field label="New host group">
        <Input required value={name} onChange={(e) => setName(e.target.value)} placeholder="production" />
      </Field>
      <Button type="submit" disabled={create.isPending}>
        Create group
      </Button>
      <ErrorMessage error={create.error} />
    </form>
  );
}

function NewHost({
  groups,
  onEnrollment,
}: {
  groups: { id: string; name: string }[];
  onEnrollment(enrollment: Enrollment): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [hostGroupId, setGroup] = useState("");
  const create = useMutation(
    trpc.hosts.enrollmentToken.mutationOptions({
      onSuccess: (enrollment) => {
        setName("");
        onEnrollment(enrollment);
        return queryClient.invalidateQueries({ queryKey: trpc.hosts.list.queryKey() });
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, hostGroupId: hostGroupId || null });
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
      <Field label="Host name">
        <Input required value={name} onChange={(e) => setName(e.target.value)} placeholder="web-1" />
      </Field>
      <Field label="Group">
        <Select value={hostGroupId} onChange={(e) => setGroup(e.target.value)}>
          <option value="">No group</option>
          {groups.map((group) => (
            <option key={group.id} value={group.id}>
              {group.name}
            </option>
          ))}
        </Select>
      </Field>
      <Button type="submit" disabled={create.isPending}>
        Add host
      </Button>
      <ErrorMessage error={create.error} />
    </form>
  );
}

function Status({ host, now }: { host: Host; now: number }) {
  const seen = `last seen ${ago(host.lastSeenAt, now)}`;
  switch (host.state) {
    case "online":
      return <Badge tone="good">online</Badge>;
    case "offline":
      return (
        <span className="space-x-2">
          <Badge tone="bad">offline</Badge>
          <span className="text-xs text-zinc-400">{seen}</span>
        </span>
      );
    case "revoked":
      return (
        <span className="space-x-2">
          <Badge tone="warn">revoked</Badge>
          <span className="text-xs text-zinc-400">{seen}</span>
        </span>
      );
    default:
      return <Badge>waiting for agent</Badge>;
  }
}

function HostActions({
  host,
  onEnrollment,
  onRemoved,
}: {
  host: Host;
  onEnrollment(enrollment: Enrollment): void;
  onRemoved(removal: Removal): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<"revoke" | "remove">();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.hosts.list.queryKey() });
  const revoke = useMutation(
    trpc.hosts.revoke.mutationOptions({
      onSuccess: () => {
        setConfirming(undefined);
        return refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.hosts.remove.mutationOptions({
      onSuccess: (removal) => {
        onRemoved({ ...removal, hostName: host.name });
        return refresh();
      },
    }),
  );
  const token = useMutation(trpc.hosts.enrollmentToken.mutationOptions({ onSuccess: onEnrollment }));
  const canManage = useCan("host:manage");
  const canOnboard = useCan("host:onboard");
  const enrolled = host.state === "online" || host.state === "offline";
  return (
    <div className="flex flex-wrap items-center justify-end gap-2">
      {canOnboard && !enrolled && (
        <Button
          variant="secondary"
          disabled={token.isPending}
          onClick={() => token.mutate({ hostId: host.id })}
        >
          New install command
        </Button>
      )}
      {canManage && !confirming && (
        <>
          {enrolled && (
            <Button variant="danger" onClick={() => setConfirming("revoke")}>
              Revoke
            </Button>
          )}
          <Button variant="secondary" onClick={() => setConfirming("remove")}>
            Remove
          </Button>
        </>
      )}
      {confirming && (
        <div
          role="alertdialog"
          aria-label={`${confirming === "revoke" ? "Revoke" : "Remove"} ${host.name}`}
          className="flex items-center gap-2"
        >
          <span className="text-xs text-zinc-300">
            {confirming === "revoke"
              ? `Disconnect ${host.name} now? Its agent cannot reconnect until it is enrolled again.`
              : `Remove ${host.name} from Dockfleet? Its agent is disconnected and, if it was added over SSH, uninstalled; if it was installed by hand, you get the command that uninstalls it there (the volume backups it made stay in /var/lib/dockfleet-agent/backups).`}
          </span>
          <Button
            variant="danger"
            disabled={revoke.isPending || remove.isPending}
            onClick={() =>
              confirming === "revoke"
                ? revoke.mutate({ hostId: host.id })
                : remove.mutate({ hostId: host.id })
            }
          >
            {confirming === "revoke" ? "Revoke" : "Remove"} {host.name}
          </Button>
          <Button variant="secondary" onClick={() => setConfirming(undefined)}>
            Cancel
          </Button>
        </div>
      )}
      <ErrorMessage error={revoke.error ?? remove.error ?? token.error} />
    </div>
  );
}

export default function HostsPage() {
  const trpc = useTRPC();
  const hosts = useQuery({ ...trpc.hosts.list.queryOptions(), refetchInterval: refreshMs });
  const groups = useQuery(trpc.hosts.groups.queryOptions());
  const canOnboard = useCan("host:onboard");
  const canManage = useCan("host:manage");
  const [enrollment, setEnrollment] = useState<Enrollment>();
  const [removal, setRemoval] = useState<Removal>();
  const now = hosts.dataUpdatedAt || Date.now();
  return (
    <>
      <PageHeader
        title="Hosts"
        description="Docker hosts of the fleet you may see, with their agents' status."
        actions={
          canOnboard && (
            <Link
              href="/hosts/add"
              className="rounded-md border border-zinc-700 px-3 py-1.5 text-sm font-medium hover:bg-zinc-800"
            >
              Add host over SSH
            </Link>
          )
        }
      />
      <div className="space-y-6">
        {(canOnboard || canManage) && (
          <Card title="Inventory">
            <div className="space-y-4">
              <Can permission="host:onboard">
                <NewHost groups={groups.data ?? []} onEnrollment={setEnrollment} />
              </Can>
              {enrollment && (
                <InstallCommand enrollment={enrollment} onDone={() => setEnrollment(undefined)} />
              )}
              <Can permission="host:manage">
                <NewHostGroup />
              </Can>
            </div>
          </Card>
        )}
        {removal && <RemovedHost removal={removal} onDone={() => setRemoval(undefined)} />}
        <ErrorMessage error={hosts.error} />
        <Table
          head={[
            "Host",
            "Status",
            "Agent",
            "Docker",
            "OS",
            "CPUs",
            "Memory",
            "Group",
            ...(canOnboard || canManage ? [""] : []),
          ]}
          empty={hosts.data?.length === 0 ? "No hosts yet." : undefined}
        >
          {hosts.data?.map((host) => (
            <tr key={host.id} data-testid="host-row" data-state={host.state}>
              <td className="px-4 py-2 font-medium">
                <Link href={`/hosts/${host.id}`} className="text-sky-300 hover:underline">
                  {host.name}
                </Link>
              </td>
              <td className="px-4 py-2" data-testid="host-status">
                <Status host={host} now={now} />
              </td>
              <td className="px-4 py-2 text-zinc-300">{host.agentVersion ?? "—"}</td>
              <td className="px-4 py-2 text-zinc-300">{host.dockerVersion ?? "—"}</td>
              <td className="px-4 py-2 text-zinc-300" title={host.kernel ?? undefined}>
                {host.os ?? "—"}
                {host.factsError && <span className="block text-xs text-amber-300">{host.factsError}</span>}
              </td>
              <td className="px-4 py-2 text-zinc-300">{host.cpus ?? "—"}</td>
              <td className="px-4 py-2 text-zinc-300">{bytes(host.memoryBytes)}</td>
              <td className="px-4 py-2">{host.hostGroup ? <Badge>{host.hostGroup.name}</Badge> : "—"}</td>
              {(canOnboard || canManage) && (
                <td className="px-4 py-2">
                  <HostActions host={host} onEnrollment={setEnrollment} onRemoved={setRemoval} />
                </td>
              )}
            </tr>
          ))}
        </Table>
      </div>
    </>
  );
}
