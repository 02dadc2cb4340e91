"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useState } from "react";
import { useTRPC } from "../../lib/trpc.ts";
import { AuthCard } from "../_components/auth-card.tsx";
import { Button, ErrorMessage, Field, Input, Notice } from "../_components/ui.tsx";

export default function LoginPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const setup = useQuery(trpc.auth.setupStatus.queryOptions());
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        router.replace("/hosts");
      },
    }),
  );
  const me = useQuery(trpc.auth.me.queryOptions());
  useEffect(() => {
    if (me.data) router.replace("/hosts");
  }, [me.data, router]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate({ email, password });
  };

  return (
    <AuthCard title="Sign in" subtitle="Run your fleet of Docker hosts">
      <form onSubmit={submit} className="space-y-4">
        {setup.data?.needsSetup && (
          <Notice>No admin exists yet: open the setup link printed by the start command.</Notice>
        )}
        <Field label="Email">
          <Input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Password">
          <Input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <ErrorMessage error={login.error} />
        <Button type="submit" className="w-full" disabled={login.isPending}>
          {login.isPending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </AuthCard>
  );
}
