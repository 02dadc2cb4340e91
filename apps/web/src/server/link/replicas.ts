/**
 * Console replicas as the database knows them: one LinkReplica row per running process, kept fresh
 * by a heartbeat, and `Host.linkReplicaId` naming the replica that holds a host's agent. Times are
 * compared in the database's clock (UTC), never across the replicas' own clocks.
 */
import type { QueryResultRow } from "pg";

/** How often a replica refreshes its row and checks the peers it has calls with. */
export const replicaBeatMs = 2_000;
/** A replica whose row is older than this is dead (also when its LISTEN session is still around). */
export const replicaGraceMs = 10_000;
/** Rows of replicas dead this long, and spilled messages nobody fetched, are deleted. */
export const replicaSweepMs = 60_000;

export type Query = <R extends QueryResultRow = QueryResultRow>(
  text: string,
  values?: unknown[],
) => Promise<{ rows: R[]; rowCount: number | null }>;

const nowUtc = `(now() AT TIME ZONE 'UTC')`;

/**
 * A live replica: a fresh row, and its LISTEN session still open. A process that dies loses its
 * database sessions at once, so the second test catches a crash long before the row goes stale.
 */
const live = (
  alias: string,
) => `${alias}."lastSeenAt" > ${nowUtc} - make_interval(secs => ${replicaGraceMs / 1000})
  AND (${alias}."listenerPid" IS NULL
       OR EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = ${alias}."listenerPid"))`;

/** Creates or refreshes this replica's row (at start, on every beat, after reconnecting). */
export async function beat(
  query: Query,
  replicaId: string,
  listenerPid: number,
  label: string,
): Promise<void> {
  await query(
    `INSERT INTO "LinkReplica" ("id", "startedAt", "lastSeenAt", "listenerPid", "label")
     VALUES ($1, ${nowUtc}, ${nowUtc}, $2, $3)
     ON CONFLICT ("id") DO UPDATE SET "lastSeenAt" = ${nowUtc}, "listenerPid" = $2`,
    [replicaId, listenerPid, label],
  );
}

/** Of these replicas, the ones alive. */
export async function liveAmong(query: Query, replicaIds: string[]): Promise<Set<string>> {
  if (replicaIds.length === 0) return new Set();
  const { rows } = await query<{ id: string }>(
    `SELECT r."id" FROM "LinkReplica" r WHERE r."id" = ANY($1) AND ${live("r")}`,
    [replicaIds],
  );
  return new Set(rows.map((row) => row.id));
}

/** The live replica holding the host's agent, if any. */
export async function holderOf(query: Query, hostId: string): Promise<string | undefined> {
  const { rows } = await query<{ id: string }>(
    `SELECT r."id" FROM "Host" h JOIN "LinkReplica" r ON r."id" = h."linkReplicaId"
     WHERE h."id" = $1 AND h."agentConnected" AND ${live("r")}`,
    [hostId],
  );
  return rows[0]?.id;
}

/** The replica stops: its row goes, and the hosts it held are offline (their agents reconnect elsewhere). */
export async function leave(query: Query, replicaId: string): Promise<void> {
  await query(
    `UPDATE "Host" SET "agentConnected" = false, "linkReplicaId" = NULL, "lastSeenAt" = ${nowUtc}
     WHERE "linkReplicaId" = $1`,
    [replicaId],
  );
  await query(`DELETE FROM "LinkReplica" WHERE "id" = $1`, [replicaId]);
}

/**
 * Hosts held by replicas that stopped beating are offline (their agents reconnect to another
 * replica, which takes them over); long-dead rows and stale spilled messages are deleted.
 */
export async function sweep(query: Query): Promise<void> {
  await query(
    `UPDATE "Host" h SET "agentConnected" = false, "linkReplicaId" = NULL
     WHERE h."linkReplicaId" IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM "LinkReplica" r
       WHERE r."id" = h."linkReplicaId" AND r."lastSeenAt" > ${nowUtc} - make_interval(secs => ${replicaGraceMs / 1000}))`,
  );
  await query(
    `DELETE FROM "LinkReplica" WHERE "lastSeenAt" < ${nowUtc} - make_interval(secs => ${replicaSweepMs / 1000})`,
  );
  await query(
    `DELETE FROM "LinkMessage" WHERE "createdAt" < ${nowUtc} - make_interval(secs => ${replicaSweepMs / 1000})`,
  );
}
