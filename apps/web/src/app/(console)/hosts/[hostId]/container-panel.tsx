"use client";
/** The container opened from the table: its log or a terminal, until closed (which ends the stream). */
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
  return (
    <section aria-label={`${view === "logs" ? "Logs" : "Terminal"} of ${container.name}`}>
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
