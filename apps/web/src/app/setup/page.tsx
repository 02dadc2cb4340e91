"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, Suspense, useState } from "react";
import { useTRPC } from "../../lib/trpc.ts";
import { AuthCard } from "../_components/auth-card.tsx";
import { Button, ErrorMessage, Field, Input, Notice } from "../_components/ui.tsx";

function SetupForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const token = useSearchParams().get("token") ?? "";
  const [form, setForm] = useState({ name: "", email: "", password: "" });
  const status = useQuery(trpc.auth.setupStatus.queryOptions());
  const setup = useMutation(
    trpc.auth.setup.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        router.replace("/hosts");
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setup.mutate({ token, ...form });
  };

  if (status.data && !status.data.needsSetup) {
    return (
      <Notice>
        Setup is done.{" "}
        <a className="underline" href="/login">
          Sign in
        </a>{" "}
        instead.
      </Notice>
    );
  }
  return (
    <form onSubmit={submit} className="space-y-4">
      {!token && (
        <Notice>Open the setup link printed by the start command; it carries a one-time token.</Notice>
      )}
      <Field label="Your name">
        <Input required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
      </Field>
      <Field label="Email">
        <Input
          type="email"
          autoComplete="username"
          required
          value={form.email}
          onChange={(e) => setForm({ ...form, email: e.target.value })}
        />
      </Field>
      <Field label="Password" hint="At least 12 characters.">
        <Input
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
        />
      </Field>
      <ErrorMessage error={setup.error} />
      <Button type="submit" className="w-full" disabled={setup.isPending || !token}>
        {setup.isPending ? "Creating…" : "Create admin account"}
      </Button>
    </form>
  );
}

export default function SetupPage() {
  return (
    <AuthCard title="Welcome to Dockfleet" subtitle="Create the first admin account">
      <Suspense>
        <SetupForm />
      </Suspense>
    </AuthCard>
  );
}
