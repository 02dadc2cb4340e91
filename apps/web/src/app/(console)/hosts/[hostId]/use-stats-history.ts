"use client";
/** The host's live stats sweeps while someone looks at the page: the agent samples only while followed. */
import { useSubscription } from "@trpc/tanstack-react-query";
import { useState } from "react";
import { useTRPC } from "../../../../lib/trpc.ts";
import { useStreamError } from "../../../_components/stream-error.ts";
import { usePageVisible } from "../../../_components/use-page-visible.ts";
import { appendSweep, type Sweep, sweepIntervalMs } from "./stats-history.ts";

export function useStatsHistory(hostId: string) {
  const trpc = useTRPC();
  const visible = usePageVisible();
  const [history, setHistory] = useState<Sweep[]>([]);
  const streamError = useStreamError();
  useSubscription(
    trpc.containers.stats.subscriptionOptions(
      { hostId, intervalMs: sweepIntervalMs },
      {
        // A hidden tab ends the subscription (and so the agent's sampling); showing it again resubscribes.
        enabled: visible,
        ...streamError.handlers,
        onData: (sweep) => {
          streamError.clear();
          setHistory((previous) => appendSweep(previous, sweep));
        },
      },
    ),
  );
  return { history, live: visible, error: streamError.error };
}
