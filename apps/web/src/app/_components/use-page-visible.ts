"use client";
/** Whether anyone can see the page: live streams pause while the tab is hidden, so nobody watching costs nothing. */
import { useSyncExternalStore } from "react";

function subscribe(onChange: () => void): () => void {
  document.addEventListener("visibilitychange", onChange);
  return () => document.removeEventListener("visibilitychange", onChange);
}

export function usePageVisible(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => document.visibilityState === "visible",
    // The server renders no live data: nothing to pause.
    () => false,
  );
}
