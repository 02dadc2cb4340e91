"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../../../lib/trpc.ts";
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

function NewHost({ groups }: { groups: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [hostGroupId, setGroup] = useState("");
  const create = useMutation(
    trpc.hosts.create.mutationOptions({
      onSuccess: () => {
        setName("");
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

export default function HostsPage() {
  const trpc = useTRPC();
  const hosts = useQuery(trpc.hosts.list.queryOptions());
  const groups = useQuery(trpc.hosts.groups.queryOptions());
  const canOnboard = useCan("host:onboard");
  const canManage = useCan("host:manage");
  return (
    <>
      <PageHeader title="Hosts" description="Docker hosts of the fleet you may see." />
      <div className="space-y-6">
        {(canOnboard || canManage) && (
          <Card title="Inventory">
            <div className="space-y-4">
              <Can permission="host:onboard">
                <NewHost groups={groups.data ?? []} />
              </Can>
              <Can permission="host:manage">
                <NewHostGroup />
              </Can>
            </div>
          </Card>
        )}
        <ErrorMessage error={hosts.error} />
        <Table
          head={["Host", "Group", "Added"]}
          empty={hosts.data?.length === 0 ? "No hosts yet." : undefined}
        >
          {hosts.data?.map((host) => (
            <tr key={host.id} data-testid="host-row">
              <td className="px-4 py-2 font-medium">{host.name}</td>
              <td className="px-4 py-2">{host.hostGroup ? <Badge>{host.hostGroup.name}</Badge> : "—"}</td>
              <td className="px-4 py-2 text-zinc-400">{host.createdAt.toLocaleString()}</td>
            </tr>
          ))}
        </Table>
      </div>
    </>
  );
}
