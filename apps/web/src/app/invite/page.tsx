"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, Suspense, useState } from "react";
import { useTRPC } from "../../lib/trpc.ts";
import { AuthCard } from "../_components/auth-card.tsx";
import { Button, ErrorMessage, Field, Input } from "../_components/ui.tsx";

function InviteForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const token = useSearchParams().get("token") ?? "";
  const [password, setPassword] = useState("");
  const accept = useMutation(
    trpc.auth.acceptInvite.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        router.replace("/hosts");
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    accept.mutate({ token, password });
  };
  return (
    <form onSubmit={submit} className="space-y-4">
      <Field label="Choose a password" hint="At least 12 characters.">
        <Input
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </Field>
      <ErrorMessage error={accept.error} />
      <Button type="submit" className="w-full" disabled={accept.isPending || !token}>
        Set password and sign in
      </Button>
    </form>
  );
}

export default function InvitePage() {
  return (
    <AuthCard title="Join Dockfleet" subtitle="You were invited to a Dockfleet console">
      <Suspense>
        <InviteForm />
      </Suspense>
    </AuthCard>
  );
}
