"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../../../lib/trpc.ts";
import { roles } from "../../../server/access/roles.ts";
import {
  Badge,
  Button,
  Card,
  ErrorMessage,
  Field,
  Input,
  Notice,
  PageHeader,
  Select,
  Table,
} from "../../_components/ui.tsx";

type Role = (typeof roles)[number];

export default function TokensPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const [form, setForm] = useState<{ name: string; role: Role; expiresInDays: number }>({
    name: "",
    role: "viewer",
    expiresInDays: 30,
  });
  const create = useMutation(trpc.tokens.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: refresh }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(form);
  };
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Scripts use the same API as this console: send Authorization: Bearer <token>. See docs/api.md."
      />
      <div className="space-y-6">
        <Card title="New token">
          <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
            <Field label="Name">
              <Input
                required
                value={form.name}
                onChange={(e) => setForm({ ...form, name: e.target.value })}
              />
            </Field>
            <Field label="Role (at most your own)">
              <Select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
                {roles.map((role) => (
                  <option key={role} value={role}>
                    {role}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Expires in (days)">
              <Input
                type="number"
                min={1}
                max={365}
                value={form.expiresInDays}
                onChange={(e) => setForm({ ...form, expiresInDays: Number(e.target.value) })}
              />
            </Field>
            <Button type="submit" disabled={create.isPending}>
              Create token
            </Button>
          </form>
          <div className="mt-3 space-y-2">
            <ErrorMessage error={create.error} />
            {create.data && (
              <Notice>
                Copy it now; it is not shown again:
                <code data-testid="new-token" className="mt-1 block break-all font-mono text-xs">
                  {create.data.token}
                </code>
              </Notice>
            )}
          </div>
        </Card>
        <ErrorMessage error={tokens.error ?? revoke.error} />
        <Table head={["Name", "Role", "Expires", "Last used", ""]}>
          {tokens.data?.map((token) => (
            <tr key={token.id}>
              <td className="px-4 py-2">{token.name}</td>
              <td className="px-4 py-2">
                <Badge>{token.role}</Badge>
              </td>
              <td className="px-4 py-2 text-zinc-400">{token.expiresAt.toLocaleDateString()}</td>
              <td className="px-4 py-2 text-zinc-400">{token.lastUsedAt?.toLocaleString() ?? "never"}</td>
              <td className="px-4 py-2 text-right">
                {token.revokedAt ? (
                  <Badge tone="bad">revoked</Badge>
                ) : (
                  <Button variant="danger" onClick={() => revoke.mutate({ tokenId: token.id })}>
                    Revoke
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </Table>
      </div>
    </>
  );
}
