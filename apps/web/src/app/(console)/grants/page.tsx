"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../../../lib/trpc.ts";
import { roles } from "../../../server/access/roles.ts";
import { Can } from "../../_components/me.tsx";
import {
  Badge,
  Button,
  Card,
  ErrorMessage,
  Field,
  PageHeader,
  Select,
  Table,
} from "../../_components/ui.tsx";

type Role = (typeof roles)[number];

function NewGrant() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const teams = useQuery(trpc.teams.list.queryOptions());
  const groups = useQuery(trpc.hosts.groups.queryOptions());
  const [subject, setSubject] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [scope, setScope] = useState("");
  const create = useMutation(
    trpc.grants.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.grants.list.queryKey() }),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const [kind, id] = subject.split(":");
    create.mutate({
      role,
      hostGroupId: scope || null,
      ...(kind === "team" ? { teamId: id } : { userId: id }),
    });
  };
  return (
    <Card title="Grant a role">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <Field label="To">
          <Select aria-label="Grant to" required value={subject} onChange={(e) => setSubject(e.target.value)}>
            <option value="">Choose a team or user</option>
            <optgroup label="Teams">
              {teams.data?.map((team) => (
                <option key={team.id} value={`team:${team.id}`}>
                  {team.name}
                </option>
              ))}
            </optgroup>
            <optgroup label="Users">
              {users.data?.map((user) => (
                <option key={user.id} value={`user:${user.id}`}>
                  {user.email}
                </option>
              ))}
            </optgroup>
          </Select>
        </Field>
        <Field label="Role">
          <Select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="On">
          <Select aria-label="Scope" value={scope} onChange={(e) => setScope(e.target.value)}>
            <option value="">The whole fleet</option>
            {groups.data?.map((group) => (
              <option key={group.id} value={group.id}>
                Host group {group.name}
              </option>
            ))}
          </Select>
        </Field>
        <Button type="submit" disabled={create.isPending}>
          Grant
        </Button>
      </form>
      <div className="mt-3">
        <ErrorMessage error={create.error} />
      </div>
    </Card>
  );
}

export default function GrantsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const grants = useQuery(trpc.grants.list.queryOptions());
  const revoke = useMutation(
    trpc.grants.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.grants.list.queryKey() }),
    }),
  );
  return (
    <>
      <PageHeader
        title="Grants"
        description="Roles held by users and teams, on the fleet or one host group."
      />
      <div className="space-y-6">
        <Can permission="user:manage">
          <NewGrant />
        </Can>
        <ErrorMessage error={grants.error ?? revoke.error} />
        <Table head={["Who", "Role", "On", ""]}>
          {grants.data?.map((grant) => (
            <tr key={grant.id}>
              <td className="px-4 py-2">{grant.team ? `team ${grant.team.name}` : grant.user?.email}</td>
              <td className="px-4 py-2">
                <Badge tone={grant.role === "admin" ? "warn" : "neutral"}>{grant.role}</Badge>
              </td>
              <td className="px-4 py-2">
                {grant.hostGroup ? `group ${grant.hostGroup.name}` : "whole fleet"}
              </td>
              <td className="px-4 py-2 text-right">
                <Can permission="user:manage">
                  <Button variant="danger" onClick={() => revoke.mutate({ grantId: grant.id })}>
                    Revoke
                  </Button>
                </Can>
              </td>
            </tr>
          ))}
        </Table>
      </div>
    </>
  );
}
