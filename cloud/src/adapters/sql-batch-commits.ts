import type { CommitMeta, SentBatch } from "../ledger/ledger-store.js";
import type { SqlDb } from "./sql-driver.js";

/** Walks `commits_batch` (edge, process, seq): a handful of rows at most, one per resend that left one. */
const BATCH_COMMITTED =
  "SELECT 1 AS found FROM commits WHERE edge_id = ? AND instance_id = ? AND batch_seq = ? LIMIT 1";

/** Whether a commits row says this edge process's batch committed. */
export async function batchCommittedIn(db: SqlDb, batch: SentBatch): Promise<boolean> {
  const rows = await db.all(BATCH_COMMITTED, [batch.edgeId, batch.instanceId, batch.seq]);
  return rows.length > 0;
}

/**
 * Leaves a commits row for a batch whose commit inserted no movement (telemetry or tasks only, every event
 * refused, a resend of what the ledger has), unless one is there already, so that any cloud instance can tell
 * the batch committed. In the commit's transaction: the row is there exactly when the commit is.
 */
export async function recordBatchCommitIn(
  tx: SqlDb,
  meta: CommitMeta & { instanceId: string },
  committedAt: string,
): Promise<void> {
  if (await batchCommittedIn(tx, meta)) return;
  await tx.run(
    "INSERT INTO commits (edge_id, site_id, batch_id, batch_seq, committed_at, instance_id) VALUES (?, ?, ?, ?, ?, ?)",
    [meta.edgeId, meta.siteId, meta.batchId, meta.seq, committedAt, meta.instanceId],
  );
}
