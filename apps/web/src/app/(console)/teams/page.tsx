"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../../../lib/trpc.ts";
import { Can } from "../../_components/me.tsx";
import { Button, Card, ErrorMessage, Field, Input, PageHeader, Select } from "../../_components/ui.tsx";

export default function TeamsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const users = useQuery(trpc.users.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.teams.list.queryKey() });
  const [name, setName] = useState("");
  const [pick, setPick] = useState<Record<string, string>>({});
  const create = useMutation(
    trpc.teams.create.mutationOptions({
      onSuccess: async () => {
        setName("");
        await refresh();
      },
    }),
  );
  const addMember = useMutation(trpc.teams.addMember.mutationOptions({ onSuccess: refresh }));
  const removeMember = useMutation(trpc.teams.removeMember.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.teams.remove.mutationOptions({ onSuccess: refresh }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name });
  };
  return (
    <>
      <PageHeader title="Teams" description="Grant roles to a team and every member holds them." />
      <div className="space-y-6">
        <Can permission="user:manage">
          <form onSubmit={submit} className="flex items-end gap-2">
            <Field label="New team">
              <Input required value={name} onChange={(e) => setName(e.target.value)} placeholder="ops" />
            </Field>
            <Button type="submit">Create team</Button>
          </form>
        </Can>
        <ErrorMessage
          error={teams.error ?? create.error ?? addMember.error ?? removeMember.error ?? remove.error}
        />
        {teams.data?.map((team) => (
          <Card
            key={team.id}
            title={team.name}
            actions={
              <Can permission="user:manage">
                <Button
                  variant="danger"
                  onClick={() => confirm(`Delete team ${team.name}?`) && remove.mutate({ teamId: team.id })}
                >
                  Delete
                </Button>
              </Can>
            }
          >
            <ul className="space-y-1 text-sm">
              {team.members.map(({ user }) => (
                <li key={user.id} className="flex items-center justify-between">
                  <span>
                    {user.name} <span className="text-zinc-400">{user.email}</span>
                  </span>
                  <Can permission="user:manage">
                    <Button
                      variant="secondary"
                      onClick={() => removeMember.mutate({ teamId: team.id, userId: user.id })}
                    >
                      Remove
                    </Button>
                  </Can>
                </li>
              ))}
              {team.members.length === 0 && <li className="text-zinc-500">No members yet.</li>}
            </ul>
            <Can permission="user:manage">
              <div className="mt-3 flex items-end gap-2">
                <Field label="Add member">
                  <Select
                    aria-label={`Add member to ${team.name}`}
                    value={pick[team.id] ?? ""}
                    onChange={(e) => setPick({ ...pick, [team.id]: e.target.value })}
                  >
                    <option value="">Choose a user</option>
                    {users.data?.map((user) => (
                      <option key={user.id} value={user.id}>
                        {user.email}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Button
                  disabled={!pick[team.id]}
                  onClick={() => addMember.mutate({ teamId: team.id, userId: pick[team.id] ?? "" })}
                >
                  Add
                </Button>
              </div>
            </Can>
          </Card>
        ))}
      </div>
    </>
  );
}
