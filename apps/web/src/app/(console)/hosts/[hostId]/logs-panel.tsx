"use client";
/** A container's log as it grows: the last lines first, then new ones, kept in view unless the reader scrolls up. */
import type { LogLine } from "@dockfleet/runtime";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { useTRPC } from "../../../../lib/trpc.ts";
import { useStreamError } from "../../../_components/stream-error.ts";
import { ErrorMessage } from "../../../_components/ui.tsx";

const backlogLines = 200;
/** The page keeps this many lines: a chatty container must not grow the tab without end. */
const keptLines = 2_000;
/** Within this many pixels of the bottom counts as "at the bottom": following resumes there. */
const stickyPx = 16;

/** A line and its event id (the log position after it): a stable key while older lines are dropped. */
type KeyedLine = LogLine & { id: string };

/** Lines arriving in a burst are added once per frame, not one render per line. */
function useLineBuffer() {
  const [lines, setLines] = useState<KeyedLine[]>([]);
  const pending = useRef<KeyedLine[]>([]);
  const frame = useRef<number | undefined>(undefined);
  useEffect(() => () => cancelAnimationFrame(frame.current ?? 0), []);
  const add = (id: string, line: LogLine) => {
    pending.current.push({ ...line, id });
    frame.current ??= requestAnimationFrame(() => {
      frame.current = undefined;
      const arrived = pending.current;
      pending.current = [];
      setLines((previous) => [...previous, ...arrived].slice(-keptLines));
    });
  };
  return { lines, add };
}

export function LogsPanel({ hostId, containerId }: { hostId: string; containerId: string }) {
  const trpc = useTRPC();
  const { lines, add } = useLineBuffer();
  const streamError = useStreamError();
  const logs = useSubscription(
    trpc.containers.logs.subscriptionOptions(
      { hostId, containerId, tail: backlogLines },
      {
        ...streamError.handlers,
        // httpSubscriptionLink keeps the last id and sends it when it reconnects: the log goes on
        // after that line, no backlog again.
        onData: ({ id, data }) => {
          streamError.clear();
          add(id, data);
        },
      },
    ),
  );
  const view = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  useLayoutEffect(() => {
    const element = view.current;
    if (element && following.current && lines.length > 0) element.scrollTop = element.scrollHeight;
  }, [lines]);
  const onScroll = () => {
    const element = view.current;
    if (!element) return;
    following.current = element.scrollHeight - element.scrollTop - element.clientHeight < stickyPx;
  };
  const ended = logs.status === "idle";
  const reconnecting = logs.status === "connecting" && lines.length > 0;
  return (
    <div className="space-y-2">
      <ErrorMessage error={streamError.error} />
      <div
        ref={view}
        onScroll={onScroll}
        role="log"
        aria-label="Container log"
        className="h-80 overflow-auto rounded bg-zinc-950 p-2 font-mono text-xs leading-5"
      >
        {lines.map((line) => (
          <div
            key={line.id}
            data-stream={line.stream}
            className={`whitespace-pre-wrap break-all ${line.stream === "stderr" ? "border-l-2 border-red-500 pl-1 text-red-300" : "pl-1.5 text-zinc-200"}`}
          >
            <span className="mr-2 select-none text-zinc-600">{line.timestamp.slice(11, 19)}</span>
            {line.line}
          </div>
        ))}
      </div>
      <p className="text-xs text-zinc-500">
        {ended
          ? "The log ended (the container stopped). Open it again to follow a new run."
          : lines.length === 0
            ? "Waiting for lines…"
            : reconnecting
              ? "Reconnecting… the log goes on from the last line shown."
              : "Following. stderr lines are marked red; scroll up to stop following, to the bottom to resume."}
      </p>
    </div>
  );
}
