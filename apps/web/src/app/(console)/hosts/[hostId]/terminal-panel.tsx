"use client";
/**
 * A shell in a running container (`docker exec -it`), drawn by xterm.js. xterm touches the DOM when
 * it loads, so it is imported here on the client only, when a terminal is opened.
 */
import "@xterm/xterm/css/xterm.css";
import { skipToken } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import type { Terminal } from "@xterm/xterm";
import { type RefObject, useEffect, useRef, useState } from "react";
import { useTRPC, useTRPCClient } from "../../../../lib/trpc.ts";
import { useStreamError } from "../../../_components/stream-error.ts";
import { ErrorMessage } from "../../../_components/ui.tsx";
import { createTerminalInput, fromBase64 } from "./terminal-input.ts";

interface Size {
  rows: number;
  cols: number;
}

/** An xterm filling `element`, refitted when the element's size changes; null until it has loaded. */
function useXterm(element: RefObject<HTMLDivElement | null>) {
  const [terminal, setTerminal] = useState<{ term: Terminal; openedAt: Size }>();
  useEffect(() => {
    let disposed = false;
    let dispose = () => {};
    void Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit")]).then(
      ([{ Terminal }, { FitAddon }]) => {
        const parent = element.current;
        if (disposed || !parent) return;
        const term = new Terminal({
          cursorBlink: true,
          fontSize: 13,
          fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
          theme: { background: "#09090b" },
        });
        const fit = new FitAddon();
        term.loadAddon(fit);
        term.open(parent);
        fit.fit();
        const observer = new ResizeObserver(() => fit.fit());
        observer.observe(parent);
        dispose = () => {
          observer.disconnect();
          term.dispose();
        };
        setTerminal({ term, openedAt: { rows: term.rows, cols: term.cols } });
      },
    );
    return () => {
      disposed = true;
      dispose();
    };
  }, [element]);
  return terminal;
}

/** The bytes a reattach missed for good, said on the screen itself where they would have been. */
function skippedNotice(bytes: number): string {
  const size = bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KiB`;
  return `\r\n\x1b[0m\x1b[33m[… ${size} of output skipped while the connection was down …]\x1b[0m\r\n`;
}

/**
 * Ends the shell when the user leaves it (the panel closes, the tab closes or navigates away): a
 * dropped connection keeps a shell for a grace period, a closed terminal must not. On page exit a
 * `keepalive` request, since the page's own requests are cancelled as it goes.
 */
function useCloseOnLeave(hostId: string, sessionId: string | undefined, live: RefObject<boolean>) {
  const client = useTRPCClient();
  useEffect(() => {
    if (!sessionId) return;
    const input = { hostId, sessionId };
    const onPageHide = () => {
      if (!live.current) return;
      live.current = false;
      void fetch("/api/trpc/containers.terminalClose", {
        method: "POST",
        keepalive: true,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: input }),
      }).catch(() => undefined);
    };
    window.addEventListener("pagehide", onPageHide);
    return () => {
      window.removeEventListener("pagehide", onPageHide);
      if (!live.current) return;
      live.current = false;
      client.containers.terminalClose.mutate(input).catch(() => undefined);
    };
  }, [client, hostId, sessionId, live]);
}

export function TerminalPanel({ hostId, containerId }: { hostId: string; containerId: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const screen = useRef<HTMLDivElement>(null);
  const terminal = useXterm(screen);
  const [sessionId, setSessionId] = useState<string>();
  /** The shell is open as far as this page knows: leaving must close it. */
  const live = useRef(false);
  const [exitCode, setExitCode] = useState<number | null>();
  const [inputError, setInputError] = useState<{ message: string }>();
  const streamError = useStreamError();
  useCloseOnLeave(hostId, sessionId, live);

  // Opened with the size the screen had then (a later size would be a new input, so a new shell).
  // Each event's id names the session and the bytes so far: httpSubscriptionLink sends the last
  // one when it reconnects, and the same shell goes on from there.
  const subscription = useSubscription(
    trpc.containers.terminal.subscriptionOptions(
      terminal ? { hostId, containerId, size: terminal.openedAt } : skipToken,
      {
        ...streamError.handlers,
        onError(error) {
          live.current = false;
          streamError.handlers.onError(error);
          terminal?.term.write(`\r\n\x1b[0m\x1b[31m${error.message}\x1b[0m\r\n`);
        },
        onData({ data: event }) {
          streamError.clear();
          if (event.kind === "opened") {
            live.current = true;
            setSessionId(event.sessionId);
          } else if (event.kind === "reattached") {
            if (event.skippedBytes > 0) terminal?.term.write(skippedNotice(event.skippedBytes));
          } else if (event.kind === "output") terminal?.term.write(fromBase64(event.data));
          else {
            live.current = false;
            setSessionId(undefined);
            setExitCode(event.exitCode);
          }
        },
      },
    ),
  );
  useEffect(() => {
    const term = terminal?.term;
    if (!term || !sessionId) return;
    const input = createTerminalInput(
      (item) => client.containers.terminalInput.mutate({ hostId, sessionId, input: item }),
      { onError: (error) => setInputError(error instanceof Error ? error : { message: String(error) }) },
    );
    const keys = term.onData((text) => input.type(text));
    const resizes = term.onResize(({ rows, cols }) => input.resize(rows, cols));
    // The screen may have been refitted between the opening request and the session's start.
    if (term.rows !== terminal.openedAt.rows || term.cols !== terminal.openedAt.cols) {
      input.resize(term.rows, term.cols);
    }
    term.focus();
    return () => {
      keys.dispose();
      resizes.dispose();
      input.close();
    };
  }, [client, hostId, sessionId, terminal]);

  const exited = exitCode !== undefined;
  const reconnecting = sessionId !== undefined && subscription.status === "connecting";
  const ended = subscription.status === "error";
  return (
    <div className="space-y-2">
      <ErrorMessage error={streamError.error ?? inputError} />
      <div ref={screen} data-testid="terminal" className="h-96 rounded bg-zinc-950 p-2" />
      <p className="text-xs text-zinc-500" data-testid="terminal-status">
        {exited
          ? `The shell exited with code ${exitCode ?? "unknown"}.`
          : ended
            ? "The terminal has ended. Open it again for a new shell."
            : reconnecting
              ? "Reconnecting… the shell keeps running, and the screen goes on where it was."
              : sessionId
                ? "Connected. What you type goes to the container's shell."
                : "Opening a shell…"}
      </p>
    </div>
  );
}
