/** What the inventory says about a host's agent: connected or not, last seen, what it reported at hello. */
import type { HelloInput } from "@dockfleet/protocol";
import type { PrismaClient } from "../../generated/prisma/client.ts";

/**
 * How long a host counts as online after its last refresh. The replica holding a connection
 * refreshes `lastSeenAt` every {@link seenRefreshMs}; a replica that died leaves a stale row.
 */
export const seenRefreshMs = 10_000;
export const onlineGraceMs = 3 * seenRefreshMs;

export function isOnline(
  host: { agentConnected: boolean; lastSeenAt: Date | null },
  now = Date.now(),
): boolean {
  return host.agentConnected && host.lastSeenAt !== null && now - host.lastSeenAt.getTime() < onlineGraceMs;
}

export async function markConnected(
  db: PrismaClient,
  identity: { hostId: string; credentialId: string },
  hello: HelloInput,
  now: Date,
  /** The console replica the agent is connected to (undefined: a console without replicas). */
  replicaId?: string,
): Promise<void> {
  const facts = hello.facts;
  await db.host.update({
    where: { id: identity.hostId },
    data: {
      agentConnected: true,
      linkReplicaId: replicaId ?? null,
      connectedAt: now,
      lastSeenAt: now,
      agentVersion: hello.agentVersion,
      protocolVersion: hello.protocolVersion,
      factsError: hello.factsError ?? null,
      ...(facts
        ? {
            facts,
            dockerVersion: facts.engine.version,
            os: facts.os.name,
            kernel: facts.os.kernelVersion,
            architecture: facts.os.architecture,
            cpus: facts.cpus,
            memoryBytes: BigInt(Math.round(facts.memoryBytes)),
          }
        : {}),
    },
  });
  await db.agentCredential.update({ where: { id: identity.credentialId }, data: { lastUsedAt: now } });
}

/**
 * The hosts connected to this replica are still here. It also undoes a sweep by another replica
 * that took this one for dead (a long pause), but never takes a host another replica holds now.
 */
export async function markSeen(db: PrismaClient, hostIds: string[], replicaId?: string): Promise<void> {
  if (hostIds.length === 0) return;
  await db.host.updateMany({
    where: {
      id: { in: hostIds },
      OR: [{ linkReplicaId: replicaId ?? null }, { linkReplicaId: null }],
    },
    data: { lastSeenAt: new Date(), agentConnected: true, linkReplicaId: replicaId ?? null },
  });
}

/** Only when `connectedAt` is still ours: a newer connection (maybe on another replica) stays. */
export async function markDisconnected(db: PrismaClient, hostId: string, connectedAt: Date): Promise<void> {
  await db.host.updateMany({
    where: { id: hostId, connectedAt },
    data: { agentConnected: false, linkReplicaId: null, lastSeenAt: new Date() },
  });
}
