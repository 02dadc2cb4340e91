"use client";
/** Start, stop and restart one container; the list refreshes after each, and a refusal shows the server's words. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../../../lib/trpc.ts";
import { Button, ErrorMessage } from "../../../_components/ui.tsx";

export function ContainerActions({
  hostId,
  container,
}: {
  hostId: string;
  container: { id: string; name: string; state: string };
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const options = {
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.containers.list.queryKey({ hostId }) }),
  };
  const start = useMutation(trpc.containers.start.mutationOptions(options));
  const stop = useMutation(trpc.containers.stop.mutationOptions(options));
  const restart = useMutation(trpc.containers.restart.mutationOptions(options));
  const target = { hostId, containerId: container.id };
  const busy = start.isPending || stop.isPending || restart.isPending;
  const running = container.state === "running" || container.state === "restarting";
  // The last action's outcome is the one that matters: an older failure is replaced by a newer try.
  const last = [start, stop, restart].sort((a, b) => b.submittedAt - a.submittedAt)[0];
  return (
    <div className="space-y-1">
      <div className="flex gap-2">
        {running ? (
          <>
            <Button variant="secondary" disabled={busy} onClick={() => stop.mutate(target)}>
              {stop.isPending ? "Stopping…" : "Stop"}
            </Button>
            <Button variant="secondary" disabled={busy} onClick={() => restart.mutate(target)}>
              {restart.isPending ? "Restarting…" : "Restart"}
            </Button>
          </>
        ) : (
          <Button variant="secondary" disabled={busy} onClick={() => start.mutate(target)}>
            {start.isPending ? "Starting…" : "Start"}
          </Button>
        )}
      </div>
      <ErrorMessage error={last?.error} />
    </div>
  );
}
