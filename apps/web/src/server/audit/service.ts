/** The audit log: append one record per state-changing call or denied attempt; list, verify, export. */
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { type ChainedFields, chainHash, genesisHash } from "./chain.ts";

export type AuditResult = "ok" | "denied" | "error";

export interface AuditEntry {
  actor: { type: "user" | "token" | "anonymous" | "system"; id?: string; name?: string };
  action: string;
  target?: { type: string; id: string };
  hostId?: string;
  result: AuditResult;
  detail?: Record<string, unknown>;
  ip?: string;
}

// One chain for the whole fleet: appends are serialized by this advisory lock across replicas.
const auditLockKey = 0x6466_6175; // "dfau"

export async function recordAudit(db: PrismaClient, entry: AuditEntry): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${auditLockKey})`;
    const last = await tx.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { hash: true } });
    const prevHash = last?.hash ?? genesisHash;
    const fields: ChainedFields = {
      at: new Date(),
      actorType: entry.actor.type,
      actorId: entry.actor.id ?? null,
      actorName: entry.actor.name ?? null,
      action: entry.action,
      targetType: entry.target?.type ?? null,
      targetId: entry.target?.id ?? null,
      hostId: entry.hostId ?? null,
      result: entry.result,
      detail: entry.detail ?? null,
      ip: entry.ip ?? null,
    };
    const { detail, ...rest } = fields;
    await tx.auditEvent.create({
      data: { ...rest, detail: detail ?? undefined, prevHash, hash: chainHash(prevHash, fields) },
    });
  });
}

export interface ChainVerdict {
  ok: boolean;
  checked: number;
  /** The id of the first record whose hash or link does not match. */
  brokenAt?: string;
}

/** Re-computes the whole chain in id order, in batches. */
export async function verifyAuditChain(db: PrismaClient): Promise<ChainVerdict> {
  let prevHash = genesisHash;
  let checked = 0;
  let cursor: bigint | undefined;
  for (;;) {
    const batch = await db.auditEvent.findMany({
      orderBy: { id: "asc" },
      take: 1000,
      ...(cursor !== undefined ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    for (const row of batch) {
      const { id, prevHash: linked, hash, ...fields } = row;
      if (linked !== prevHash || chainHash(prevHash, fields) !== hash) {
        return { ok: false, checked, brokenAt: id.toString() };
      }
      prevHash = hash;
      checked += 1;
    }
    if (batch.length < 1000) return { ok: true, checked };
    cursor = batch.at(-1)?.id;
  }
}
