"use client";
/** The one-line commands a person runs on a host by hand: the agent's install, and its uninstall after a removal. */
import { type ReactNode, useState } from "react";
import type { RouterOutputs } from "../../../lib/trpc.ts";
import { Button, Notice } from "../../_components/ui.tsx";

export type Enrollment = RouterOutputs["hosts"]["enrollmentToken"];
export type Removal = RouterOutputs["hosts"]["remove"] & { hostName: string };

/** A command shown whole (it is long; people check what they paste into a root shell), with Copy and Done. */
function CopyCommand({
  command,
  testId,
  note,
  onDone,
}: {
  command: string;
  testId: string;
  note: ReactNode;
  onDone(): void;
}) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(command);
    setCopied(true);
  };
  return (
    <>
      <code data-testid={testId} className="mt-2 block break-all rounded bg-zinc-950 p-2 font-mono text-xs">
        {command}
      </code>
      <p className="mt-2 text-xs text-sky-200">{note}</p>
      <div className="mt-2 flex gap-2">
        <Button variant="secondary" onClick={copy}>
          {copied ? "Copied" : "Copy command"}
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Done
        </Button>
      </div>
    </>
  );
}

/** The one-time install command, shown once: the token in it works once and expires soon. */
export function InstallCommand({ enrollment, onDone }: { enrollment: Enrollment; onDone(): void }) {
  return (
    <Notice>
      <p>
        On <strong>{enrollment.hostName}</strong>, as root or as a user who may use sudo, run:
      </p>
      <CopyCommand
        command={enrollment.command}
        testId="install-command"
        onDone={onDone}
        note={
          <>
            It checks the host (CPU architecture, Docker socket), downloads the agent and a Node runtime from
            this console and verifies their SHA-256, installs them in <code>/opt/dockfleet/agent</code> as a
            systemd service (or a supervised process where there is no systemd) and waits until the agent has
            enrolled. The token works once and expires at {enrollment.expiresAt.toLocaleTimeString()}; it is
            not shown again. The host turns online below as soon as its agent connects.
          </>
        }
      />
    </Notice>
  );
}

/**
 * What removing a host did. Where the agent is still on the host (installed by hand, or SSH failed)
 * this is the only place its uninstall command is shown: the host has left the list.
 */
export function RemovedHost({ removal, onDone }: { removal: Removal; onDone(): void }) {
  return (
    <Notice>
      <p data-testid="removed-host">
        <strong>{removal.hostName}</strong> was removed: {removal.message}.
      </p>
      {removal.uninstallCommand ? (
        <CopyCommand
          command={removal.uninstallCommand}
          testId="uninstall-command"
          onDone={onDone}
          note={
            <>
              It stops the agent and removes it with its service (systemd unit or supervisor), settings and
              credential. The volume backups it made stay in <code>/var/lib/dockfleet-agent/backups</code>.
              Running it again changes nothing.
            </>
          }
        />
      ) : (
        <Button variant="secondary" className="mt-2" onClick={onDone}>
          Done
        </Button>
      )}
    </Notice>
  );
}
