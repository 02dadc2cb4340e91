"use client";
/** An onboarding job's steps as they happen (streamed until it ends): status, output, what to do on failure. */
import { useSubscription } from "@trpc/tanstack-react-query";
import Link from "next/link";
import { useState } from "react";
import { type RouterOutputs, useTRPC } from "../../../../lib/trpc.ts";
import { Badge, Card, ErrorMessage, PageHeader } from "../../../_components/ui.tsx";

type Job = RouterOutputs["onboarding"]["job"];

const tones = { pending: "neutral", running: "warn", ok: "good", failed: "bad" } as const;

export function JobSteps({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  // The last state streamed, kept here: the subscription's own data is cleared when the stream ends.
  const [data, setData] = useState<Job>();
  const job = useSubscription(trpc.onboarding.follow.subscriptionOptions({ jobId }, { onData: setData }));
  return (
    <>
      <PageHeader
        title={data ? `Adding ${data.hostName}` : "Adding host"}
        description={
          data?.status === "succeeded"
            ? "The host is online."
            : data?.status === "failed"
              ? "Onboarding stopped; nothing was left installed."
              : "Working…"
        }
      />
      <ErrorMessage error={job.error} />
      <ol className="max-w-3xl space-y-3" aria-label="Onboarding steps">
        {data?.steps.map((step, index) => (
          <li key={step.step} data-testid={`step-${step.step}`} data-status={step.status}>
            <Card>
              <div className="flex items-center justify-between gap-4">
                <span className="text-sm font-medium">
                  {index + 1}. {step.label}
                </span>
                <Badge tone={tones[step.status]}>{step.status}</Badge>
              </div>
              {step.message && <p className="mt-2 text-sm text-red-300">{step.message}</p>}
              {step.hint && <p className="mt-1 text-sm text-zinc-300">What to do: {step.hint}</p>}
              {step.output && (
                <pre className="mt-2 max-h-64 overflow-auto rounded bg-zinc-950 p-2 font-mono text-xs text-zinc-300">
                  {step.output}
                </pre>
              )}
            </Card>
          </li>
        ))}
      </ol>
      {data && data.status !== "running" && (
        <Link href="/hosts" className="mt-6 inline-block text-sm text-sky-400 underline">
          Back to hosts
        </Link>
      )}
    </>
  );
}
