import type { CorrectionTask } from "@tally/protocols";
import type { HashedEvent } from "../ledger/classify-events.js";
import type { CommitMeta, ConflictRecord } from "../ledger/ledger-store.js";
import { type Column, iso, json, type SqlDb, type SqlDriver } from "./sql-driver.js";

const EVENT_COLUMNS: readonly Column[] = [
  { name: "id", type: "text" },
  { name: "kind", type: "text" },
  { name: "site_id", type: "text" },
  { name: "edge_id", type: "text" },
  { name: "batch_id", type: "text" },
  { name: "batch_seq", type: "bigint" },
  { name: "hash", type: "text" },
  { name: "body", type: "jsonb" },
  { name: "occurred_at", type: "timestamptz" },
  { name: "committed_at", type: "timestamptz" },
];
const CONFLICT_COLUMNS: readonly Column[] = [
  { name: "event_id", type: "text" },
  { name: "edge_id", type: "text" },
  { name: "batch_id", type: "text" },
  { name: "stored_hash", type: "text" },
  { name: "hash", type: "text" },
  { name: "body", type: "jsonb" },
  { name: "received_at", type: "timestamptz" },
];
const TASK_COLUMNS: readonly Column[] = [
  { name: "id", type: "text" },
  { name: "site_id", type: "text" },
  { name: "task_type", type: "text" },
  { name: "location", type: "text" },
  { name: "priority", type: "text" },
  { name: "status", type: "text" },
  { name: "occurred_at", type: "timestamptz" },
];

/** One multi-row `INSERT … ON CONFLICT (id) DO NOTHING RETURNING id`; returns the ids it inserted. */
export async function insertEvents(
  tx: SqlDb,
  driver: SqlDriver,
  meta: CommitMeta,
  events: readonly HashedEvent[],
  now: string,
): Promise<Set<string>> {
  const rows = events.map((h) => [
    h.event.id,
    h.event.kind,
    h.event.siteId,
    meta.edgeId,
    meta.batchId,
    meta.seq,
    h.hash,
    // A telemetry event's content goes to the telemetry store (the hand-off row): its id and hash are enough here.
    h.event.kind === "telemetry" ? "null" : h.body,
    driver.timestamp(h.event.occurredAt),
    now,
  ]);
  const returned = await tx.insertRows<{ id: string }>("events", EVENT_COLUMNS, rows, {
    suffix: "ON CONFLICT (id) DO NOTHING RETURNING id",
  });
  return new Set(returned.map((r) => r.id));
}

export async function insertTasks(tx: SqlDb, driver: SqlDriver, tasks: readonly CorrectionTask[]): Promise<void> {
  await tx.insertRows(
    "tasks",
    TASK_COLUMNS,
    tasks.map((t) => [t.id, t.siteId, t.taskType, t.location, t.priority, "open", driver.timestamp(t.occurredAt)]),
  );
}

/** Every occurrence of an id with other content than the ledger's is kept, never applied. */
export async function recordConflicts(
  tx: SqlDb,
  meta: CommitMeta,
  hashed: readonly HashedEvent[],
  first: readonly HashedEvent[],
  stored: ReadonlyMap<string, string>,
  now: string,
): Promise<void> {
  const firstHash = new Map(first.map((h) => [h.event.id, h.hash]));
  const rows = hashed.flatMap((h) => {
    const original = stored.get(h.event.id) ?? firstHash.get(h.event.id);
    return original === undefined || original === h.hash
      ? []
      : [[h.event.id, meta.edgeId, meta.batchId, original, h.hash, h.body, now]];
  });
  await tx.insertRows("conflicts", CONFLICT_COLUMNS, rows);
}

/** The latest `limit` conflicts, oldest first. */
export async function conflictRecords(read: SqlDb, limit: number): Promise<ConflictRecord[]> {
  const rows = await read.all<{
    event_id: string;
    edge_id: string;
    batch_id: string;
    stored_hash: string;
    hash: string;
    body: unknown;
    received_at: unknown;
  }>(
    `SELECT event_id, edge_id, batch_id, stored_hash, hash, body, received_at FROM conflicts
       ORDER BY seq DESC LIMIT ?`,
    [limit],
  );
  return rows.reverse().map((r) => ({
    eventId: r.event_id,
    edgeId: r.edge_id,
    batchId: r.batch_id,
    storedHash: r.stored_hash,
    hash: r.hash,
    event: json(r.body),
    receivedAt: iso(r.received_at),
  }));
}
