import type { CorrectionTask, Movement } from "@tally/protocols";
import type { HashedEvent } from "../ledger/classify-events.js";
import { CLOUD_SOURCE } from "../ledger/cloud-source.js";
import { derivedId } from "../ledger/derived-id.js";
import type { CommitMeta, Position } from "../ledger/ledger-store.js";
import { holdNegative, type ItemRule, positionKey, refusalKeys } from "../ledger/stock-rules.js";
import { storedBody } from "../ledger/stored-movement.js";
import { selectInChunks } from "./sql-chunks.js";
import { type Column, num, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { insertEvents } from "./sql-event-rows.js";
import { hashesIn, movementHashes } from "./sql-stored-hashes.js";

/**
 * A movement row's own columns, in the order `movementColumnValues` gives their values; the insert adds the
 * commit's (constants). The ledger bench fills its baseline tables with the same two.
 */
export const MOVEMENT_COLUMNS: readonly Column[] = [
  { name: "id", type: "text" },
  { name: "site_id", type: "text" },
  { name: "movement_type", type: "text" },
  { name: "sku", type: "text" },
  { name: "qty", type: "integer" },
  { name: "from_location", type: "text" },
  { name: "to_location", type: "text" },
  { name: "lot", type: "text" },
  { name: "occurred_at", type: "timestamptz" },
  { name: "epc", type: "text" },
  { name: "sscc", type: "text" },
  // Only what the columns do not give back exactly (decision 0042).
  { name: "body", type: "jsonb", object: true },
];
/**
 * A movement's values for `MOVEMENT_COLUMNS`, in their order: its time as `timestamps` keeps one (the SQL
 * driver), its body (the last) as `storedBody` makes it, an object the driver turns into JSON. Static reads,
 * one array a movement: this runs for every movement of every batch.
 */
export function movementColumnValues(m: Movement, timestamps: Pick<SqlDriver, "timestamp">): unknown[] {
  return [
    m.id,
    m.siteId,
    m.movementType,
    m.sku,
    m.qty,
    m.from ?? null,
    m.to ?? null,
    m.lot ?? "",
    timestamps.timestamp(m.occurredAt),
    m.epc ?? null,
    m.sscc ?? null,
    storedBody(m),
  ];
}

const HELD_MOVEMENT_COLUMNS: readonly Column[] = [
  { name: "id", type: "text" },
  { name: "task_id", type: "text" },
  { name: "reason", type: "text" },
];

export type HashedMovement = HashedEvent & { readonly event: Movement };

// A guard, not a copy: the hash is a lazy getter a spread would lose.
export const isHashedMovement = (h: HashedEvent): h is HashedMovement => h.event.kind === "movement";

export interface CommitOptions {
  /** Apply `negativeStock: "refuse"` (edge movements); adjustments a person decided are always applied. */
  enforceRefusal: boolean;
  /** Set when the movements' insert kept a commits row for this batch. */
  batchRow?: { kept: boolean };
}

/** The commit a batch's movements are inserted in. */
export interface MovementCommit {
  tx: SqlDb;
  driver: SqlDriver;
  meta: CommitMeta;
  now: string;
  /** The item rules of these SKUs (those that have an item). */
  itemRules(skus: readonly string[]): Promise<Map<string, ItemRule>>;
}

/**
 * Movements go into `movements` once, with their body and hash, by one
 * `INSERT … ON CONFLICT (id) DO NOTHING RETURNING id` (adds what it
 * inserted to `inserted`). With an item that refuses negative stock in
 * the batch, the new movements are first found out and walked in order:
 * those that would go below zero are held (recorded in events, with a
 * task) instead. Returns the held ids.
 */
export async function insertMovements(
  commit: MovementCommit,
  movements: readonly HashedMovement[],
  options: CommitOptions,
  inserted: Set<string>,
  heldTasks: CorrectionTask[],
): Promise<string[]> {
  const { tx, meta, now } = commit;
  if (movements.length === 0) return [];
  const { accepted, held } = options.enforceRefusal
    ? await refuseNegative(commit, movements)
    : { accepted: movements, held: [] };
  const returned = await insertMovementRows(
    commit,
    accepted.map((h) => h.event),
    options.batchRow,
  );
  for (const r of returned) inserted.add(r.id);
  if (held.length === 0) return [];

  for (const id of await insertEvents(tx, commit.driver, meta, held, now)) inserted.add(id);
  for (const { event: m } of held) heldTasks.push(heldMovementTask(m));
  await tx.insertRows(
    "held_movements",
    HELD_MOVEMENT_COLUMNS,
    held.map((h) => [h.event.id, derivedId(`held:${h.event.id}`), "negative stock refused"]),
    { suffix: "ON CONFLICT (id) DO NOTHING" },
  );
  return held.map((h) => h.event.id);
}

/** With an item that refuses negative stock in the batch: the new movements that would go below zero, held. */
async function refuseNegative(
  commit: MovementCommit,
  movements: readonly HashedMovement[],
): Promise<{ accepted: readonly HashedMovement[]; held: HashedMovement[] }> {
  const { tx } = commit;
  const rules = await commit.itemRules(movements.map((h) => h.event.sku));
  if (![...rules.values()].some((r) => r.negativeStock === "refuse")) return { accepted: movements, held: [] };
  const ids = movements.map((h) => h.event.id);
  const existing = new Map([...(await movementHashes(tx, ids)), ...(await hashesIn(tx, "events", ids))]);
  const fresh = movements.filter((h) => !existing.has(h.event.id));
  const current = await positionsOf(
    tx,
    refusalKeys(
      fresh.map((h) => h.event),
      rules,
    ),
    commit.driver.forUpdate,
  );
  const verdict = holdNegative(
    fresh.map((h) => h.event),
    rules,
    current,
  );
  const heldIds = new Set(verdict.held.map((m) => m.id));
  return {
    accepted: movements.filter((h) => !heldIds.has(h.event.id)),
    held: fresh.filter((h) => heldIds.has(h.event.id)),
  };
}

/** The COUNT_MISMATCH task of a movement held for negative stock (its id derives from the movement's). */
function heldMovementTask(m: Movement): CorrectionTask {
  const from = m.from ?? m.to ?? "";
  return {
    kind: "task",
    id: derivedId(`held:${m.id}`),
    siteId: m.siteId,
    occurredAt: m.occurredAt,
    taskType: "COUNT_MISMATCH",
    location: from,
    sku: m.sku,
    ...(m.epc !== undefined && { epc: m.epc }),
    priority: "high",
    detail: `${m.movementType} of ${m.qty} ${m.sku}${m.lot === undefined ? "" : ` lot ${m.lot}`} from ${from} would make stock negative; held (movement ${m.id})`,
    evidence: { deviceId: CLOUD_SOURCE, observationIds: [m.id] },
  };
}

/**
 * `INSERT … ON CONFLICT (id) DO NOTHING RETURNING id` of movements with
 * their JSON text as the body (canonical JSON is made only when a stored
 * body is compared), leaving out ids already in events.
 */
async function insertMovementRows(
  commit: MovementCommit,
  movements: readonly Movement[],
  batchRow?: { kept: boolean },
): Promise<{ id: string }[]> {
  const { tx, driver, meta, now } = commit;
  const rows = movements.map((m) => movementColumnValues(m, driver));
  // The commit's edge, batch and time once, in commits, rather than on each movement (decision 0042).
  const [row] = await tx.all<{ seq: unknown }>(
    "INSERT INTO commits (edge_id, site_id, batch_id, batch_seq, committed_at, instance_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
    [meta.edgeId, meta.siteId, meta.batchId, meta.seq, now, meta.instanceId ?? null],
  );
  if (row === undefined) throw new Error("INSERT INTO commits returned no seq");
  const commitSeq = num(row.seq);
  const count = await tx.insertRowsCount("movements", MOVEMENT_COLUMNS, rows, {
    skipIdsIn: "events",
    suffix: "ON CONFLICT (id) DO NOTHING",
    constants: [{ name: "commit_seq", type: "bigint", value: commitSeq }],
  });
  // Usually every movement is new, and the count says so: no id sent back a row. Otherwise this commit's
  // rows are the ones that name it.
  if (count === 0) {
    // A resend: nothing of it is this commit's.
    await tx.run("DELETE FROM commits WHERE seq = ?", [commitSeq]);
    return [];
  }
  if (batchRow !== undefined) batchRow.kept = true;
  if (count === movements.length) return movements.map((m) => ({ id: m.id }));
  return selectInChunks(movements, (chunk) => {
    const ids = tx.inList(
      "id",
      chunk.map((m) => m.id),
    );
    return tx.all<{ id: string }>(`SELECT id FROM movements WHERE commit_seq = ? AND ${ids.sql}`, [
      commitSeq,
      ...ids.params,
    ]);
  });
}

async function positionsOf(tx: SqlDb, keys: readonly Position[], forUpdate: string): Promise<Map<string, number>> {
  const current = new Map<string, number>();
  for (const k of keys) {
    const rows = await tx.all<{ qty: unknown }>(
      `SELECT qty FROM positions WHERE sku = ? AND location = ? AND lot = ?${forUpdate}`,
      [k.sku, k.location, k.lot],
    );
    current.set(positionKey(k.sku, k.location, k.lot), num(rows[0]?.qty ?? 0));
  }
  return current;
}
