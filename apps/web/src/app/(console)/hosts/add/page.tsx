"use client";
/** "Add host" over SSH: connect, confirm the host key, then watch every onboarding step live. */
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { type RouterInputs, useTRPC } from "../../../../lib/trpc.ts";
import {
  Button,
  Card,
  ErrorMessage,
  Field,
  Input,
  Notice,
  PageHeader,
  Select,
} from "../../../_components/ui.tsx";
import { JobSteps } from "./job-steps.tsx";

type Target = RouterInputs["onboarding"]["probe"];

const empty = {
  name: "",
  hostGroupId: "",
  address: "",
  port: 22,
  username: "root",
  kind: "key",
  secret: "",
  consoleUrl: "",
};

export default function AddHostPage() {
  const trpc = useTRPC();
  const groups = useQuery(trpc.hosts.groups.queryOptions());
  const [form, setForm] = useState(empty);
  const [jobId, setJobId] = useState<string>();
  const probe = useMutation(trpc.onboarding.probe.mutationOptions());
  const start = useMutation(
    trpc.onboarding.start.mutationOptions({ onSuccess: (job) => setJobId(job.jobId) }),
  );
  const target = (): Target => ({
    address: form.address,
    port: form.port,
    username: form.username,
    auth:
      form.kind === "key"
        ? { kind: "key", privateKey: form.secret }
        : { kind: "password", password: form.secret },
  });
  const connect = (event: FormEvent) => {
    event.preventDefault();
    probe.mutate(target());
  };
  const confirm = () =>
    probe.data &&
    start.mutate({
      ...target(),
      name: form.name,
      hostGroupId: form.hostGroupId || null,
      fingerprint: probe.data.fingerprint,
      ...(form.consoleUrl ? { consoleUrl: form.consoleUrl } : {}),
    });
  const set = (field: keyof typeof empty) => (e: { target: { value: string } }) =>
    setForm({ ...form, [field]: field === "port" ? Number(e.target.value) : e.target.value });

  if (jobId) return <JobSteps jobId={jobId} />;
  return (
    <>
      <PageHeader
        title="Add host"
        description="Dockfleet connects over SSH, installs its agent and waits until it is online."
      />
      <div className="max-w-2xl space-y-6">
        <Card title="1. Where is the host?">
          <form onSubmit={connect} className="grid grid-cols-2 gap-4">
            <Field label="Name in Dockfleet">
              <Input required value={form.name} onChange={set("name")} placeholder="web-1" />
            </Field>
            <Field label="Host group">
              <Select value={form.hostGroupId} onChange={set("hostGroupId")}>
                <option value="">No group</option>
                {groups.data?.map((group) => (
                  <option key={group.id} value={group.id}>
                    {group.name}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="SSH address">
              <Input required value={form.address} onChange={set("address")} placeholder="10.0.0.12" />
            </Field>
            <Field label="SSH port">
              <Input type="number" min={1} max={65535} required value={form.port} onChange={set("port")} />
            </Field>
            <Field label="SSH user" hint="root, or a user with passwordless sudo">
              <Input required value={form.username} onChange={set("username")} />
            </Field>
            <Field label="Authenticate with">
              <Select value={form.kind} onChange={set("kind")}>
                <option value="key">Private key</option>
                <option value="password">Password</option>
              </Select>
            </Field>
            <div className="col-span-2">
              {form.kind === "key" ? (
                <Field label="Private key" hint="Stored encrypted (AES-256-GCM); never shown again.">
                  <textarea
                    required
                    rows={5}
                    value={form.secret}
                    onChange={set("secret")}
                    className="w-full rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 font-mono text-xs"
                    placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                  />
                </Field>
              ) : (
                <Field label="Password" hint="Stored encrypted (AES-256-GCM); never shown again.">
                  <Input type="password" required value={form.secret} onChange={set("secret")} />
                </Field>
              )}
            </div>
            <div className="col-span-2">
              <Field
                label="Console URL as this host reaches it (optional)"
                hint="Leave empty when the host reaches the console at the address you use in this browser."
              >
                <Input
                  type="url"
                  value={form.consoleUrl}
                  onChange={set("consoleUrl")}
                  placeholder="https://dockfleet.example.com"
                />
              </Field>
            </div>
            <div className="col-span-2 flex items-center gap-3">
              <Button type="submit" disabled={probe.isPending}>
                {probe.isPending ? "Connecting…" : "Connect"}
              </Button>
              <Link href="/hosts" className="text-sm text-zinc-400 underline">
                Cancel
              </Link>
            </div>
          </form>
          <div className="mt-3">
            <ErrorMessage error={probe.error} />
          </div>
        </Card>
        {probe.data && (
          <Card title="2. Is this the host's key?">
            <div className="space-y-3 text-sm">
              <p>The host presented this key. Compare it with the host's own fingerprint before you go on:</p>
              <code
                data-testid="fingerprint"
                className="block rounded bg-zinc-950 px-3 py-2 font-mono text-sky-300"
              >
                {probe.data.fingerprint}
              </code>
              <Notice>
                On the host:{" "}
                <code className="font-mono">ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>. Dockfleet
                pins this key and refuses the host if it ever changes.
              </Notice>
              <ErrorMessage error={start.error} />
              <Button onClick={confirm} disabled={start.isPending}>
                The fingerprint matches: install the agent
              </Button>
            </div>
          </Card>
        )}
      </div>
    </>
  );
}
