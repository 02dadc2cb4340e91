"use client";
/** The container opened from the table: its log or a terminal, until closed (which ends the stream). */
import { useEffect, useRef } from "react";
import { Button, Card } from "../../../_components/ui.tsx";
import type { Container, ContainerView } from "./containers-table.tsx";
import { LogsPanel } from "./logs-panel.tsx";
import { TerminalPanel } from "./terminal-panel.tsx";

export function ContainerPanel({
  hostId,
  container,
  view,
  onClose,
}: {
  hostId: string;
  container: Container;
  view: ContainerView;
  onClose(): void;
}) {
  const panel = useRef<HTMLElement>(null);
  // On a host with many containers the panel opens far below the row that opened it.
  useEffect(() => panel.current?.scrollIntoView({ behavior: "smooth", block: "nearest" }), []);
  return (
    <section ref={panel} aria-label={`${view === "logs" ? "Logs" : "Terminal"} of ${container.name}`}>
      <Card
        title={`${view === "logs" ? "Logs" : "Terminal"} · ${container.name}`}
        actions={
          <Button variant="secondary" onClick={onClose}>
            Close
          </Button>
        }
      >
        {view === "logs" ? (
          <LogsPanel hostId={hostId} containerId={container.id} />
        ) : (
          <TerminalPanel hostId={hostId} containerId={container.id} />
        )}
      </Card>
    </section>
  );
}
