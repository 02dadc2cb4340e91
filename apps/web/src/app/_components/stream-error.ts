"use client";
/**
 * A live stream's error as people should read it. While tRPC retries a stream (the host is offline,
 * the connection dropped) it reports each attempt, and the dropped connection between two attempts
 * only as "Unknown error", often in the same render as the server's reason: that would hide the
 * reason, so every report is seen here as it comes and the last reason the server gave is kept
 * until data flows again.
 */
import { useCallback, useState } from "react";

/** `shape` is set when the server answered with an error; a failed connection has none. */
type StreamFailure = { message: string; shape?: unknown } | null;

const connectionLost = { message: "lost the connection to the console; reconnecting…" };

export function useStreamError() {
  const [error, setError] = useState<{ message: string } | null>(null);
  const report = useCallback((failure: StreamFailure) => {
    if (!failure) return;
    setError((previous) => (failure.shape ? failure : (previous ?? connectionLost)));
  }, []);
  return {
    error,
    /** Call on every item: data flowing again ends the trouble. */
    clear: useCallback(() => setError(null), []),
    /** For the subscription's options. */
    handlers: {
      onError: report,
      onConnectionStateChange: (state: { error: StreamFailure }) => report(state.error),
    },
  };
}
