"use client";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../../../lib/trpc.ts";
import { useMe } from "../../_components/me.tsx";
import { Button, Card, ErrorMessage, Field, Input, Notice, PageHeader } from "../../_components/ui.tsx";

export default function AccountPage() {
  const trpc = useTRPC();
  const me = useMe();
  const [form, setForm] = useState({ currentPassword: "", newPassword: "" });
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => setForm({ currentPassword: "", newPassword: "" }),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate(form);
  };
  return (
    <>
      <PageHeader
        title="Account"
        description={me.data ? `${me.data.user.name} · ${me.data.user.email}` : undefined}
      />
      <Card title="Change password">
        <form onSubmit={submit} className="max-w-sm space-y-4">
          <Field label="Current password">
            <Input
              type="password"
              autoComplete="current-password"
              required
              value={form.currentPassword}
              onChange={(e) => setForm({ ...form, currentPassword: e.target.value })}
            />
          </Field>
          <Field label="New password" hint="At least 12 characters. Your other sessions end.">
            <Input
              type="password"
              autoComplete="new-password"
              required
              minLength={12}
              value={form.newPassword}
              onChange={(e) => setForm({ ...form, newPassword: e.target.value })}
            />
          </Field>
          <ErrorMessage error={change.error} />
          {change.isSuccess && <Notice>Password changed. Other sessions were signed out.</Notice>}
          <Button type="submit" disabled={change.isPending}>
            Change password
          </Button>
        </form>
      </Card>
    </>
  );
}
