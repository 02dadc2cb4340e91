/**
 * Removing a host: its credential is revoked and its connection closed at once; when it was
 * onboarded over SSH the agent is also uninstalled from it (with the pinned host key); then the
 * host leaves the inventory. An unreachable host is still removed, and the answer says so. Where
 * the agent is still on the host (installed by hand: the console holds no SSH access to it; or SSH
 * failed), the answer carries the one line that uninstalls it there.
 */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";
import { revokeHost } from "../hosts/service.ts";
import { unseal } from "../secrets/sealed.ts";
import { uninstallCommand } from "./install-script.ts";
import { installContext, uninstallAgent } from "./installer.ts";
import { sshTarget } from "./job.ts";
import { SshAuth } from "./schema.ts";
import { sshAuthPurpose } from "./service.ts";
import { onboardingSettings } from "./settings.ts";
import { openSsh } from "./ssh.ts";

type HostSshRow = NonNullable<Awaited<ReturnType<PrismaClient["hostSsh"]["findUnique"]>>>;

async function uninstallOverSsh(db: PrismaClient, access: HostSshRow): Promise<string> {
  const auth = SshAuth.parse(
    JSON.parse(unseal(onboardingSettings(db).masterKey, access.sealedAuth, sshAuthPurpose)),
  );
  const session = await openSsh(sshTarget({ ...access, auth }), access.fingerprint);
  try {
    await uninstallAgent(session, await installContext(session));
    return `the agent was uninstalled from ${access.address}`;
  } finally {
    session.close();
  }
}

export interface Removal {
  uninstalled: boolean;
  message: string;
  /** When the agent is still installed: the command to run as root on the host to uninstall it. */
  uninstallCommand?: string;
}

export async function removeHost(db: PrismaClient, hostId: string): Promise<Removal> {
  const host = await db.host.findUnique({ where: { id: hostId }, include: { ssh: true } });
  if (!host) throw new DomainError("not_found", "no such host");
  await revokeHost(db, host.id);
  const byHand = { uninstallCommand: uninstallCommand(onboardingSettings(db).consoleUrl) };
  let result: Removal = {
    uninstalled: false,
    message:
      "the console has no SSH access to this host (its agent was installed by hand): run the uninstall command there as root",
    ...byHand,
  };
  if (host.ssh) {
    try {
      result = { uninstalled: true, message: await uninstallOverSsh(db, host.ssh) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      result = {
        uninstalled: false,
        message: `could not uninstall the agent over SSH (${reason}); its credential is revoked: run the uninstall command there as root`,
        ...byHand,
      };
    }
  }
  await db.host.delete({ where: { id: host.id } });
  return result;
}
