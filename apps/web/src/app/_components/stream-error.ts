"use client";
/**
 * A live stream's error as people should read it. While tRPC retries a stream (the host is offline,
 * the connection dropped) it reports each attempt, and the dropped connection between two attempts
 * only as "Unknown error": that would hide the reason the server gave a moment before, so the last
 * reason the server gave is kept until data flows again.
 */
import { useEffect, useState } from "react";

interface StreamState {
  status: "idle" | "connecting" | "pending" | "error";
  /** `shape` is set when the server answered with an error; a failed connection has none. */
  error: { message: string; shape?: unknown } | null;
}

const connectionLost = { message: "lost the connection to the console; reconnecting…" };

export function useStreamError({ status, error }: StreamState): { message: string } | null {
  const [reason, setReason] = useState<{ message: string } | null>(null);
  const spoken = error?.shape ? error : null;
  useEffect(() => {
    if (spoken) setReason(spoken);
    else if (status === "pending" || status === "idle") setReason(null);
  }, [spoken, status]);
  if (!error) return null;
  return spoken ?? reason ?? connectionLost;
}
