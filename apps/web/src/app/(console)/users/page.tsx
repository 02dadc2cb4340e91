"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../../../lib/trpc.ts";
import { Can } from "../../_components/me.tsx";
import {
  Badge,
  Button,
  Card,
  ErrorMessage,
  Field,
  Input,
  Notice,
  PageHeader,
  Table,
} from "../../_components/ui.tsx";

function InviteUser() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ email: "", name: "" });
  const invite = useMutation(
    trpc.users.invite.mutationOptions({
      onSuccess: () => {
        setForm({ email: "", name: "" });
        return queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate(form);
  };
  return (
    <Card title="Invite a user">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <Field label="Email">
          <Input
            type="email"
            required
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
          />
        </Field>
        <Field label="Name">
          <Input required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </Field>
        <Button type="submit" disabled={invite.isPending}>
          Invite
        </Button>
      </form>
      <div className="mt-3 space-y-2">
        <ErrorMessage error={invite.error} />
        {invite.data && (
          <Notice>
            Send this one-time link to {invite.data.user.email} (valid until{" "}
            {invite.data.expiresAt.toLocaleString()}):
            <code data-testid="invite-url" className="mt-1 block break-all font-mono text-xs">
              {invite.data.inviteUrl}
            </code>
          </Notice>
        )}
      </div>
    </Card>
  );
}

export default function UsersPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const disable = useMutation(trpc.users.disable.mutationOptions({ onSuccess: refresh }));
  const enable = useMutation(trpc.users.enable.mutationOptions({ onSuccess: refresh }));
  return (
    <>
      <PageHeader
        title="Users"
        description="Who may sign in. Disabling a user ends their sessions at once."
      />
      <div className="space-y-6">
        <Can permission="user:manage">
          <InviteUser />
        </Can>
        <ErrorMessage error={users.error ?? disable.error ?? enable.error} />
        <Table head={["User", "Teams", "Status", ""]}>
          {users.data?.map((user) => (
            <tr key={user.id}>
              <td className="px-4 py-2">
                <div className="font-medium">{user.name}</div>
                <div className="text-xs text-zinc-400">{user.email}</div>
              </td>
              <td className="px-4 py-2 text-zinc-300">
                {user.teams.map((team) => team.name).join(", ") || "—"}
              </td>
              <td className="px-4 py-2">
                {user.disabledAt ? (
                  <Badge tone="bad">disabled</Badge>
                ) : user.invited ? (
                  <Badge tone="warn">invited</Badge>
                ) : (
                  <Badge tone="good">active</Badge>
                )}
              </td>
              <td className="px-4 py-2 text-right">
                <Can permission="user:manage">
                  {user.disabledAt ? (
                    <Button variant="secondary" onClick={() => enable.mutate({ userId: user.id })}>
                      Enable
                    </Button>
                  ) : (
                    <Button
                      variant="danger"
                      onClick={() => {
                        if (confirm(`Disable ${user.email}? Their sessions end now.`))
                          disable.mutate({ userId: user.id });
                      }}
                    >
                      Disable
                    </Button>
                  )}
                </Can>
              </td>
            </tr>
          ))}
        </Table>
      </div>
    </>
  );
}
