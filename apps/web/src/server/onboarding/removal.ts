/**
 * Removing a host: its credential is revoked and its connection closed at once; when it was
 * onboarded over SSH the agent is also uninstalled from it (with the pinned host key); then the
 * host leaves the inventory. An unreachable host is still removed, and the answer says so.
 */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";
import { revokeHost } from "../hosts/service.ts";
import { unseal } from "../secrets/sealed.ts";
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

export async function removeHost(
  db: PrismaClient,
  hostId: string,
): Promise<{ uninstalled: boolean; message: string }> {
  const host = await db.host.findUnique({ where: { id: hostId }, include: { ssh: true } });
  if (!host) throw new DomainError("not_found", "no such host");
  await revokeHost(db, host.id);
  let result = {
    uninstalled: false,
    message:
      "the console has no SSH access to this host (its agent was installed by hand): remove the agent there",
  };
  if (host.ssh) {
    try {
      result = { uninstalled: true, message: await uninstallOverSsh(db, host.ssh) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      result = {
        uninstalled: false,
        message: `could not uninstall the agent over SSH (${reason}); its credential is revoked`,
      };
    }
  }
  await db.host.delete({ where: { id: host.id } });
  return result;
}
