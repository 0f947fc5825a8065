import {
  type CorrectionTask,
  type EdgeEvent,
  type ExpectedReceipt,
  type ExpectedShipment,
  type HistoryEntry,
  LedgerItem,
  type LedgerLocation,
  type Movement,
  type SerialRecord,
  type SiteLayout,
  type Telemetry,
} from "@tally/protocols";
import type { Alert } from "../alerts/alert.js";
import { conditionCause } from "../alerts/apply-condition.js";
import { DEAD_LETTERS_METRIC, deadLetterCauses } from "../alerts/cloud-rules.js";
import { canonicalMovement, contentHash } from "../ledger/canonical-json.js";
import { classifyEvents, firstOccurrences, type HashedEvent, hashEvents } from "../ledger/classify-events.js";
import { CLOUD_SOURCE } from "../ledger/cloud-source.js";
import { type CountPolicy, countOutcome, REVIEW_EVERY_COUNT } from "../ledger/count-outcome.js";
import { derivedId } from "../ledger/derived-id.js";
import type {
  AlertQuery,
  CommitMeta,
  CommitResult,
  ConflictRecord,
  CountRecord,
  ExpectedKind,
  ExpectedQuery,
  HistoryQuery,
  LedgerStore,
  MovementQuery,
  PageQuery,
  Position,
  PutResult,
  SentBatch,
  SiteImport,
  StockQuery,
  StockTotals,
} from "../ledger/ledger-store.js";
import { negativeStockTasks } from "../ledger/negative-stock-tasks.js";
import { newId } from "../ledger/new-id.js";
import { partitionEvents } from "../ledger/partition-events.js";
import { positionDeltas } from "../ledger/position-deltas.js";
import {
  holdNegative,
  type ItemRule,
  lowStockKey,
  negativeStockKey,
  positionKey,
  REPLENISHED_ZONE_KINDS,
  refusalKeys,
  stockAlertCauses,
} from "../ledger/stock-rules.js";
import { movementFromStored, type StoredMovementColumns, storedBody } from "../ledger/stored-movement.js";
import type { HandoffRow } from "../ledger/telemetry-handoff.js";
import { enqueueAlertEvents } from "../notifications/enqueue-alert-events.js";
import { ANY_LIVE_STOCK_ALERT, latestAlerts, SqlAlertStore } from "./sql-alert-store.js";
import { batchCommittedIn, recordBatchCommitIn } from "./sql-batch-commits.js";
import { type Column, type InsertSpec, iso, json, num, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { SqlExcursionStore } from "./sql-excursion-store.js";
import { SqlExpectedDocuments } from "./sql-expected-documents.js";
import { SqlLedgerReads } from "./sql-ledger-reads.js";
import {
  MOVEMENT_COLUMNS,
  MOVEMENT_FROM,
  MOVEMENT_SELECT,
  type MovementRow,
  readMovement,
} from "./sql-movement-rows.js";
import { SqlNotificationStore } from "./sql-notification-store.js";
import { SqlReferenceData } from "./sql-reference-data.js";
import { SqlSecurityStore } from "./sql-security-store.js";
import { SqlTaskStore } from "./sql-task-store.js";
import { deleteHandoff, handOffTelemetryIn, pendingHandoff, shedHandoff } from "./sql-telemetry-handoff.js";

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
/** A movement row's own columns (`movementRow`), then the commit's (constants). */
const MOVEMENT_INSERT_COLUMNS: readonly Column[] = [
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
const POSITION_COLUMNS: readonly Column[] = [
  { name: "sku", type: "text" },
  { name: "location", type: "text" },
  { name: "lot", type: "text" },
  { name: "qty", type: "bigint" },
];
const SERIAL_COLUMNS: readonly Column[] = [
  { name: "epc", type: "text" },
  { name: "sku", type: "text" },
  { name: "location", type: "text" },
  { name: "lot", type: "text" },
  { name: "status", type: "text" },
  { name: "last_movement_id", type: "text" },
  { name: "last_seen_at", type: "timestamptz" },
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
const COUNT_COLUMNS: readonly Column[] = [
  { name: "id", type: "text" },
  { name: "site_id", type: "text" },
  { name: "sku", type: "text" },
  { name: "location", type: "text" },
  { name: "value", type: "float8" },
  { name: "occurred_at", type: "timestamptz" },
];

/** How long item rules are cached; a change made through another process applies within this time. */
const RULES_TTL_MS = 1000;

type HashedMovement = HashedEvent & { readonly event: Movement };

// A guard, not a copy: the hash is a lazy getter a spread would lose.
const isHashedMovement = (h: HashedEvent): h is HashedMovement => h.event.kind === "movement";

interface CommitOptions {
  /** Apply `negativeStock: "refuse"` (edge movements); adjustments a person decided are always applied. */
  enforceRefusal: boolean;
  /** Set when the movements' insert kept a commits row for this batch. */
  batchRow?: { kept: boolean };
}

/**
 * The ledger on SQL, shared by the SQLite and PostgreSQL adapters: the
 * statements are portable, the driver supplies connections, transactions
 * and the per-dialect multi-row insert. Every commit is set-based per batch:
 * one insert per table, one upsert of net position deltas, one upsert of
 * serials, and stock alerts from the positions the upsert returns.
 */
export class SqlLedgerStore implements LedgerStore {
  readonly kind: SqlDriver["kind"];
  readonly security: SqlSecurityStore;
  readonly alerting: SqlAlertStore;
  readonly tasks: SqlTaskStore;
  readonly notifications: SqlNotificationStore;
  readonly excursions: SqlExcursionStore;
  readonly #driver: SqlDriver;
  readonly #reads: SqlLedgerReads;
  readonly #reference: SqlReferenceData;
  readonly #expected: SqlExpectedDocuments;
  #rules: { at: number; rules: Map<string, ItemRule> } | undefined;
  #countPolicy: CountPolicy = REVIEW_EVERY_COUNT;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
    this.kind = driver.kind;
    this.security = new SqlSecurityStore(driver);
    this.alerting = new SqlAlertStore(driver);
    this.tasks = new SqlTaskStore(driver, (tx, meta, movements) => this.postAdjustmentsIn(tx, meta, movements));
    this.notifications = new SqlNotificationStore(driver);
    this.excursions = new SqlExcursionStore(driver);
    this.#reads = new SqlLedgerReads(driver);
    // An item written through the API applies to the next commit, not after the rules' cache time.
    this.#reference = new SqlReferenceData(driver, () => {
      this.#rules = undefined;
    });
    this.#expected = new SqlExpectedDocuments(driver);
    // What alerts tell goes to the notifications' outbox, in the transaction that changed the alert.
    this.alerting.sendEventsTo(enqueueAlertEvents);
  }

  async commit(meta: CommitMeta, events: readonly EdgeEvent[]): Promise<CommitResult> {
    return this.#driver.write(async (tx) => {
      const batchRow = { kept: false };
      const result = await this.#commitIn(tx, meta, events, { enforceRefusal: true, batchRow });
      // A batch of an edge process is looked up by the next one's cloud instance (BatchOrder): every such batch
      // has a commits row, not only those that inserted movements.
      const { instanceId } = meta;
      if (instanceId !== undefined && !batchRow.kept) {
        await recordBatchCommitIn(tx, { ...meta, instanceId }, new Date().toISOString());
      }
      return result;
    });
  }

  async batchCommitted(batch: SentBatch): Promise<boolean> {
    return batchCommittedIn(this.#driver.read, batch);
  }

  /**
   * Commits movements a person decided (a task's adjustments) inside the
   * caller's transaction: idempotent by movement id like any commit, never
   * held for negative stock. Returns the stock alerts they opened or resolved.
   */
  async postAdjustmentsIn(tx: SqlDb, meta: CommitMeta, movements: readonly Movement[]): Promise<Alert[]> {
    return (await this.#commitIn(tx, meta, movements, { enforceRefusal: false })).alerts;
  }

  async #commitIn(
    tx: SqlDb,
    meta: CommitMeta,
    events: readonly EdgeEvent[],
    options: CommitOptions,
  ): Promise<CommitResult> {
    const now = new Date().toISOString();
    const { sensor, ledgerEvents } = splitSensorTelemetry(events);
    const hashed = hashEvents(ledgerEvents);
    const first = firstOccurrences(hashed);
    const firstMovements: HashedMovement[] = [];
    const firstOthers: HashedEvent[] = [];
    for (const h of first) {
      if (isHashedMovement(h)) firstMovements.push(h);
      else firstOthers.push(h);
    }
    // Ids are unique across kinds: another kind's id already in movements is not new, nor is a movement id
    // already in events (a held movement, another kind), which the movement insert leaves out itself.
    const stored = await movementHashes(
      tx,
      firstOthers.map((h) => h.event.id),
    );
    const inserted = new Set<string>();
    const heldTasks: CorrectionTask[] = [];
    const held = await this.#insertMovements(tx, meta, firstMovements, now, options, inserted, heldTasks);
    for (const id of await this.#insertEvents(
      tx,
      meta,
      firstOthers.filter((h) => !stored.has(h.event.id)),
      now,
    )) {
      inserted.add(id);
    }
    // What was not inserted is already stored (a resend or a conflict): its stored hash, from movements or events.
    const unknown = first.filter((h) => !inserted.has(h.event.id) && !stored.has(h.event.id));
    for (const [id, hash] of await movementHashes(
      tx,
      unknown.filter((h) => h.event.kind === "movement").map((h) => h.event.id),
    )) {
      stored.set(id, hash);
    }
    for (const [id, hash] of await hashesIn(
      tx,
      "events",
      unknown.filter((h) => !stored.has(h.event.id)).map((h) => h.event.id),
    )) {
      stored.set(id, hash);
    }
    const classification = classifyEvents(hashed, inserted, stored);
    if (classification.conflicts.length > 0) await this.#recordConflicts(tx, meta, hashed, first, stored, now);
    const parts = partitionEvents(classification.applied);
    const alerts: Alert[] = [];

    const heldIds = new Set(held);
    // A movement that takes stock below zero also opens a COUNT_MISMATCH task (a pick from an empty bin).
    await this.#applyMovements(
      tx,
      parts.movements.filter((m) => !heldIds.has(m.id)),
      now,
      alerts,
      heldTasks,
    );
    // A cycle count that disagrees with the ledger (after this batch's movements) opens a COUNT_MISMATCH task,
    // or within the count policy's units posts a COUNT movement for the difference.
    const counted = await this.#countOutcomes(tx, parts.telemetry);
    heldTasks.push(...counted.tasks);
    const cloudMeta = { edgeId: CLOUD_SOURCE, siteId: meta.siteId, batchId: meta.batchId, seq: meta.seq };
    if (counted.corrections.length > 0) {
      alerts.push(...(await this.#commitIn(tx, cloudMeta, counted.corrections, { enforceRefusal: false })).alerts);
    }
    if (heldTasks.length > 0) await this.#insertEvents(tx, cloudMeta, hashEvents(heldTasks), now);
    await this.#insertTasks(tx, [...parts.tasks, ...heldTasks]);
    // Telemetry is handed off, not kept: the batch's as one row, deleted once the telemetry store has it. The
    // same batch sent again while its row waits is not handed off twice.
    await handOffTelemetryIn(tx, inCommitOrder(events, parts.telemetry, sensor));
    // A cycle count is a ledger fact (checked against the stock above): kept for good.
    const counts = parts.telemetry.filter((t) => t.metric.startsWith("count:") && t.location !== undefined);
    await tx.insertRows(
      "counts",
      COUNT_COLUMNS,
      counts.map((t) => [
        t.id,
        t.siteId,
        t.metric.slice("count:".length),
        t.location,
        t.value,
        this.#driver.timestamp(t.occurredAt),
      ]),
    );

    const causes = [
      ...parts.conditions.map((c) => conditionCause(c, meta.edgeId, newId)),
      ...deadLetterCauses(parts.telemetry, meta.edgeId, this.alerting.policy, newId),
    ];
    if (causes.length > 0) alerts.push(...told(await this.alerting.applyCausesIn(tx, causes, now)));

    const result: CommitResult = {
      // Sensor readings are acknowledged as committed every time: their store writes are idempotent.
      committed:
        sensor.length === 0 ? classification.committed : [...classification.committed, ...sensor.map((t) => t.id)],
      duplicates: classification.duplicates,
      conflicts: classification.conflicts,
      alerts,
    };
    if (held.length > 0) result.held = held;
    return result;
  }

  /**
   * Movements go into `movements` once, with their body and hash, by one
   * `INSERT … ON CONFLICT (id) DO NOTHING RETURNING id` (adds what it
   * inserted to `inserted`). With an item that refuses negative stock in
   * the batch, the new movements are first found out and walked in order:
   * those that would go below zero are held (recorded in events, with a
   * task) instead. Returns the held ids.
   */
  async #insertMovements(
    tx: SqlDb,
    meta: CommitMeta,
    movements: readonly HashedMovement[],
    now: string,
    options: CommitOptions,
    inserted: Set<string>,
    heldTasks: CorrectionTask[],
  ): Promise<string[]> {
    if (movements.length === 0) return [];
    let accepted = movements;
    let held: HashedMovement[] = [];
    if (options.enforceRefusal) {
      const rules = await this.#itemRules(
        tx,
        movements.map((h) => h.event.sku),
      );
      if ([...rules.values()].some((r) => r.negativeStock === "refuse")) {
        const ids = movements.map((h) => h.event.id);
        const existing = new Map([...(await movementHashes(tx, ids)), ...(await hashesIn(tx, "events", ids))]);
        const fresh = movements.filter((h) => !existing.has(h.event.id));
        const current = await positionsOf(
          tx,
          refusalKeys(
            fresh.map((h) => h.event),
            rules,
          ),
          this.#driver.forUpdate,
        );
        const verdict = holdNegative(
          fresh.map((h) => h.event),
          rules,
          current,
        );
        const heldIds = new Set(verdict.held.map((m) => m.id));
        held = fresh.filter((h) => heldIds.has(h.event.id));
        accepted = movements.filter((h) => !heldIds.has(h.event.id));
      }
    }
    const returned = await this.#insertMovementRows(
      tx,
      meta,
      accepted.map((h) => h.event),
      now,
      options.batchRow,
    );
    for (const r of returned) inserted.add(r.id);
    if (held.length === 0) return [];

    for (const id of await this.#insertEvents(tx, meta, held, now)) inserted.add(id);
    for (const { event: m } of held) {
      const taskId = derivedId(`held:${m.id}`);
      const from = m.from ?? m.to ?? "";
      heldTasks.push({
        kind: "task",
        id: taskId,
        siteId: m.siteId,
        occurredAt: m.occurredAt,
        taskType: "COUNT_MISMATCH",
        location: from,
        sku: m.sku,
        ...(m.epc !== undefined && { epc: m.epc }),
        priority: "high",
        detail: `${m.movementType} of ${m.qty} ${m.sku}${m.lot === undefined ? "" : ` lot ${m.lot}`} from ${from} would make stock negative; held (movement ${m.id})`,
        evidence: { deviceId: CLOUD_SOURCE, observationIds: [m.id] },
      });
    }
    await tx.insertRows(
      "held_movements",
      [
        { name: "id", type: "text" },
        { name: "task_id", type: "text" },
        { name: "reason", type: "text" },
      ],
      held.map((h) => [h.event.id, derivedId(`held:${h.event.id}`), "negative stock refused"]),
      { suffix: "ON CONFLICT (id) DO NOTHING" },
    );
    return held.map((h) => h.event.id);
  }

  /**
   * `INSERT … ON CONFLICT (id) DO NOTHING RETURNING id` of movements with
   * their JSON text as the body (canonical JSON is made only when a stored
   * body is compared), leaving out ids already in events.
   */
  async #insertMovementRows(
    tx: SqlDb,
    meta: CommitMeta,
    movements: readonly Movement[],
    now: string,
    batchRow?: { kept: boolean },
  ): Promise<{ id: string }[]> {
    const driver = this.#driver;
    // Static reads, one array a movement: this runs for every movement of every batch.
    const rows = movements.map((m) => [
      m.id,
      m.siteId,
      m.movementType,
      m.sku,
      m.qty,
      m.from ?? null,
      m.to ?? null,
      m.lot ?? "",
      driver.timestamp(m.occurredAt),
      m.epc ?? null,
      m.sscc ?? null,
      storedBody(m),
    ]);
    // The commit's edge, batch and time once, in commits, rather than on each movement (decision 0042).
    const [commit] = await tx.all<{ seq: unknown }>(
      "INSERT INTO commits (edge_id, site_id, batch_id, batch_seq, committed_at, instance_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
      [meta.edgeId, meta.siteId, meta.batchId, meta.seq, now, meta.instanceId ?? null],
    );
    if (commit === undefined) throw new Error("INSERT INTO commits returned no seq");
    const commitSeq = num(commit.seq);
    const count = await tx.insertRowsCount("movements", MOVEMENT_INSERT_COLUMNS, rows, {
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
    const inserted: { id: string }[] = [];
    for (let i = 0; i < movements.length; i += 500) {
      const ids = tx.inList(
        "id",
        movements.slice(i, i + 500).map((m) => m.id),
      );
      inserted.push(
        ...(await tx.all<{ id: string }>(`SELECT id FROM movements WHERE commit_seq = ? AND ${ids.sql}`, [
          commitSeq,
          ...ids.params,
        ])),
      );
    }
    return inserted;
  }

  /** Item rules, cached for a second: items change rarely, and every batch needs them. */
  async #itemRules(tx: SqlDb, skus: readonly string[]): Promise<Map<string, ItemRule>> {
    const nowMs = Date.now();
    if (this.#rules === undefined || nowMs - this.#rules.at > RULES_TTL_MS) {
      this.#rules = { at: nowMs, rules: await allItemRules(tx) };
    }
    const all = this.#rules.rules;
    const out = new Map<string, ItemRule>();
    for (const sku of skus) {
      const rule = all.get(sku);
      if (rule !== undefined) out.set(sku, rule);
    }
    return out;
  }

  /** Every occurrence of an id with other content than the ledger's is kept, never applied. */
  async #recordConflicts(
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

  async conflicts(limit: number): Promise<ConflictRecord[]> {
    const rows = await this.#driver.read.all<{
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

  /** One multi-row `INSERT … ON CONFLICT (id) DO NOTHING RETURNING id`; returns the ids it inserted. */
  async #insertEvents(tx: SqlDb, meta: CommitMeta, events: readonly HashedEvent[], now: string): Promise<Set<string>> {
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
      this.#driver.timestamp(h.event.occurredAt),
      now,
    ]);
    const returned = await tx.insertRows<{ id: string }>("events", EVENT_COLUMNS, rows, {
      suffix: "ON CONFLICT (id) DO NOTHING RETURNING id",
    });
    return new Set(returned.map((r) => r.id));
  }

  /**
   * Cycle counts (`count:<sku>` telemetry at a location) compared with the
   * ledger's stock of that SKU there, per lot ({@link countOutcome}): each
   * disagreement is a COUNT_MISMATCH task with both figures, or, within the
   * count policy, a COUNT movement for the difference. Ids derive from the
   * count's, so a resend makes nothing twice.
   */
  async #countOutcomes(
    tx: SqlDb,
    telemetry: readonly Telemetry[],
  ): Promise<{ tasks: CorrectionTask[]; corrections: Movement[] }> {
    const tasks: CorrectionTask[] = [];
    const corrections: Movement[] = [];
    for (const t of telemetry) {
      if (!t.metric.startsWith("count:") || t.location === undefined) continue;
      const positions = await tx.all<{ lot: string; qty: unknown }>(
        "SELECT lot, qty FROM positions WHERE sku = ? AND location = ?",
        [t.metric.slice("count:".length), t.location],
      );
      const outcome = countOutcome(
        t,
        positions.map((p) => ({ lot: p.lot, qty: Number(p.qty) })),
        this.#countPolicy,
      );
      if (outcome.kind === "review") tasks.push(outcome.task);
      else if (outcome.kind === "correct") corrections.push(outcome.movement);
    }
    return { tasks, corrections };
  }

  /** How far a cycle count may correct the ledger by itself (see {@link CountPolicy}); by default not at all. */
  useCountPolicy(policy: CountPolicy): void {
    this.#countPolicy = policy;
  }

  async #insertTasks(tx: SqlDb, tasks: readonly CorrectionTask[]): Promise<void> {
    await tx.insertRows(
      "tasks",
      TASK_COLUMNS,
      tasks.map((t) => [
        t.id,
        t.siteId,
        t.taskType,
        t.location,
        t.priority,
        "open",
        this.#driver.timestamp(t.occurredAt),
      ]),
    );
  }

  /** Serials, positions and stock alerts of the batch's applied movements. */
  async #applyMovements(
    tx: SqlDb,
    movements: readonly Movement[],
    now: string,
    alerts: Alert[],
    tasks: CorrectionTask[],
  ): Promise<void> {
    if (movements.length === 0) return;
    const rules = await this.#itemRules(tx, [...new Set(movements.map((m) => m.sku))]);
    // One statement on PostgreSQL (serials as a WITH before positions); the positions upsert also tells whether
    // any stock alert is open: one round trip, not three.
    const returned = await tx.insertRows<{
      sku: string;
      location: string;
      lot: string;
      qty: unknown;
      stock_alerts_open: unknown;
    }>(
      "positions",
      POSITION_COLUMNS,
      positionDeltas(movements).map((d) => [d.sku, d.location, d.lot, d.qty]),
      {
        suffix: `ON CONFLICT (sku, location, lot) DO UPDATE SET qty = positions.qty + excluded.qty
        RETURNING sku, location, lot, qty, ${ANY_LIVE_STOCK_ALERT} AS stock_alerts_open`,
        before: this.#serialUpserts(movements),
      },
    );
    const touched = returned.map((r) => ({ sku: r.sku, location: r.location, lot: r.lot, qty: num(r.qty) }));
    const anyOpen = returned.some((r) => r.stock_alerts_open === true || num(r.stock_alerts_open) === 1);
    const raised = await this.#stockAlerts(tx, touched, anyOpen, rules, now, alerts);
    tasks.push(...negativeStockTasks(raised, movements));
  }

  /**
   * The serial registry's upsert for a batch: it keeps each EPC's latest movement by (occurredAt, id), so a
   * late event never moves it back. Undefined when no movement has an EPC.
   */
  #serialUpserts(movements: readonly Movement[]): InsertSpec | undefined {
    const latest = new Map<string, { m: Movement; at: string }>();
    for (const m of movements) {
      if (m.epc === undefined) continue;
      const at = this.#driver.timestamp(m.occurredAt);
      const seen = latest.get(m.epc);
      if (seen === undefined || compareTime(at, m.id, seen.at, seen.m.id) > 0) latest.set(m.epc, { m, at });
    }
    if (latest.size === 0) return undefined;
    const rows = [...latest.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([epc, { m, at }]) => [epc, m.sku, m.to ?? null, m.lot ?? "", serialStatus(m), m.id, at]);
    return {
      table: "serials",
      columns: SERIAL_COLUMNS,
      rows,
      options: {
        suffix: `ON CONFLICT (epc) DO UPDATE SET sku = excluded.sku, location = excluded.location, lot = excluded.lot,
         status = excluded.status, last_movement_id = excluded.last_movement_id, last_seen_at = excluded.last_seen_at
       WHERE (excluded.last_seen_at, excluded.last_movement_id) > (serials.last_seen_at, serials.last_movement_id)`,
      },
    };
  }

  async #stockAlerts(
    tx: SqlDb,
    touched: readonly Position[],
    anyOpen: boolean,
    rules: ReadonlyMap<string, ItemRule>,
    now: string,
    alerts: Alert[],
  ): Promise<Alert[]> {
    if (touched.length === 0) return [];
    let totals: { sku: string; location: string; qty: number }[] = [];
    const reordered = touched.filter((p) => rules.get(p.sku)?.reorderPoint !== undefined);
    if (reordered.length > 0) {
      const kinds = await zoneKinds(tx, [...new Set(reordered.map((p) => p.location))]);
      const pairs = new Map<string, { sku: string; location: string }>();
      for (const p of reordered) {
        const kind = kinds.get(p.location);
        if (kind !== undefined && !REPLENISHED_ZONE_KINDS.has(kind)) continue;
        pairs.set(JSON.stringify([p.sku, p.location]), { sku: p.sku, location: p.location });
      }
      totals = await locationTotals(tx, [...pairs.values()]);
    }
    const candidates = [
      ...touched
        .filter((p) => p.qty < 0 && rules.get(p.sku)?.negativeStock === "allow")
        .map((p) => negativeStockKey(p.sku, p.location, p.lot)),
      ...totals
        .filter((t) => t.qty < (rules.get(t.sku)?.reorderPoint ?? Number.NEGATIVE_INFINITY))
        .map((t) => lowStockKey(t.sku, t.location)),
    ];
    if (candidates.length === 0 && !anyOpen) return [];
    const keys = [
      ...touched.map((p) => negativeStockKey(p.sku, p.location, p.lot)),
      ...totals.map((t) => lowStockKey(t.sku, t.location)),
    ];
    const causes = stockAlertCauses({ touched, totals, rules, open: await latestAlerts(tx, keys), at: now, newId });
    alerts.push(...told(await this.alerting.applyCausesIn(tx, causes, now)));
    return causes.flatMap((c) => (c.state === "raised" ? [c.alert] : []));
  }

  stock(query: StockQuery = {}): Promise<Position[]> {
    return this.#reads.stock(query);
  }

  stockTotals(query: StockQuery, skus: readonly string[]): Promise<StockTotals> {
    return this.#reads.stockTotals(query, skus);
  }

  movements(query: MovementQuery = {}): Promise<Movement[]> {
    return this.#reads.movements(query);
  }

  commitTimes(ids: readonly string[]): Promise<Map<string, string>> {
    return this.#reads.commitTimes(ids);
  }

  movement(id: string): Promise<Movement | undefined> {
    return this.#reads.movement(id);
  }

  history(query: HistoryQuery): Promise<HistoryEntry[]> {
    return this.#reads.history(query);
  }

  serial(epc: string): Promise<SerialRecord | undefined> {
    return this.#reads.serial(epc);
  }

  async reverseMovement(
    id: string,
    by: string,
  ): Promise<{ reversal: Movement; created: boolean; alerts: Alert[] } | undefined> {
    return this.#driver.write(async (tx) => {
      const rows = await tx.all<MovementRow>(`SELECT ${MOVEMENT_SELECT} FROM ${MOVEMENT_FROM} WHERE m.id = ?`, [id]);
      const row = rows[0];
      if (row === undefined) return undefined;
      const original = readMovement(row);
      const existing = await tx.all<{ reversal_id: string }>(
        "SELECT reversal_id FROM reversals WHERE reversed_id = ?",
        [id],
      );
      const existingId = existing[0]?.reversal_id;
      if (existingId !== undefined) {
        const stored = await tx.all<MovementRow>(`SELECT ${MOVEMENT_SELECT} FROM ${MOVEMENT_FROM} WHERE m.id = ?`, [
          existingId,
        ]);
        const reversalRow = stored[0];
        if (reversalRow === undefined) throw new Error(`reversal ${existingId} of ${id} is recorded but not stored`);
        const reversal = readMovement(reversalRow);
        return { reversal, created: false, alerts: [] };
      }
      const reversal: Movement = {
        kind: "movement",
        id: derivedId(`reverse:${id}`),
        siteId: original.siteId,
        occurredAt: new Date().toISOString(),
        movementType: "ADJUSTMENT",
        sku: original.sku,
        qty: original.qty,
        ...(original.to !== undefined && { from: original.to }),
        ...(original.from !== undefined && { to: original.from }),
        ...(original.lot !== undefined && { lot: original.lot }),
        ...(original.epc !== undefined && { epc: original.epc }),
        evidence: { deviceId: CLOUD_SOURCE, observationIds: [id] },
        confidence: 1,
      };
      await tx.run("INSERT INTO reversals (reversal_id, reversed_id, by_whom) VALUES (?, ?, ?)", [reversal.id, id, by]);
      const meta = { edgeId: CLOUD_SOURCE, siteId: original.siteId, batchId: reversal.id, seq: 0 };
      const { alerts } = await this.#commitIn(tx, meta, [reversal], { enforceRefusal: false });
      return { reversal, created: true, alerts };
    });
  }

  alerts(query: AlertQuery = {}): Promise<Alert[]> {
    return this.alerting.list(query);
  }

  items(query: PageQuery = {}): Promise<LedgerItem[]> {
    return this.#reference.items(query);
  }

  item(sku: string): Promise<LedgerItem | undefined> {
    return this.#reference.item(sku);
  }

  putItem(item: LedgerItem): Promise<void> {
    return this.#reference.putItem(item);
  }

  skuOfGtin(gtin: string): Promise<string | undefined> {
    return this.#reference.skuOfGtin(gtin);
  }

  locations(query: { siteId?: string; zone?: string } & PageQuery = {}): Promise<LedgerLocation[]> {
    return this.#reference.locations(query);
  }

  importSite(layout: SiteLayout): Promise<SiteImport> {
    return this.#reference.importSite(layout);
  }

  putExpected(kind: "receipt", value: ExpectedReceipt): Promise<PutResult>;
  putExpected(kind: "shipment", value: ExpectedShipment): Promise<PutResult>;
  putExpected(kind: ExpectedKind, value: ExpectedReceipt | ExpectedShipment): Promise<PutResult> {
    return kind === "receipt"
      ? this.#expected.putExpected(kind, value as ExpectedReceipt)
      : this.#expected.putExpected(kind, value as ExpectedShipment);
  }

  expectedReceipts(query: ExpectedQuery = {}): Promise<ExpectedReceipt[]> {
    return this.#expected.expectedReceipts(query);
  }

  expectedShipments(query: ExpectedQuery = {}): Promise<ExpectedShipment[]> {
    return this.#expected.expectedShipments(query);
  }

  closeExpected(kind: ExpectedKind, id: string): Promise<"closed" | "already-closed" | undefined> {
    return this.#expected.closeExpected(kind, id);
  }

  async counts(limit: number): Promise<CountRecord[]> {
    const rows = await this.#driver.read.all<{
      sku: string;
      location: string;
      value: unknown;
      occurred_at: unknown;
    }>("SELECT sku, location, value, occurred_at FROM counts ORDER BY seq DESC LIMIT ?", [limit]);
    const out: CountRecord[] = [];
    for (const r of rows.reverse()) {
      const sku = r.sku;
      const at = this.#driver.timestamp(iso(r.occurred_at));
      const balance = await this.#driver.read.all<{ qty: unknown }>(
        `SELECT COALESCE(SUM(CASE WHEN to_location = ? THEN qty ELSE 0 END), 0)
              - COALESCE(SUM(CASE WHEN from_location = ? THEN qty ELSE 0 END), 0) AS qty
         FROM movements WHERE sku = ? AND (to_location = ? OR from_location = ?) AND occurred_at <= ?`,
        [r.location, r.location, sku, r.location, r.location, at],
      );
      out.push({
        sku,
        location: r.location,
        counted: num(r.value),
        occurredAt: iso(r.occurred_at),
        recorded: num(balance[0]?.qty ?? 0),
      });
    }
    return out;
  }

  async dockToStockSeconds(limit: number): Promise<number[]> {
    const rows = await this.#driver.read.all<{ received: unknown; stored: unknown }>(
      `SELECT r.occurred_at AS received,
         (SELECT MIN(p.occurred_at) FROM movements p
           WHERE p.epc = r.epc AND p.movement_type = 'PUTAWAY' AND p.occurred_at >= r.occurred_at) AS stored
       FROM movements r WHERE r.epc IS NOT NULL AND r.movement_type = 'RECEIPT' ORDER BY r.seq DESC LIMIT ?`,
      [limit],
    );
    return rows
      .filter((r) => r.stored !== null)
      .map((r) => (Date.parse(iso(r.stored)) - Date.parse(iso(r.received))) / 1000);
  }

  pendingTelemetry(maxPoints: number, afterSeq?: number): Promise<HandoffRow[]> {
    return pendingHandoff(this.#driver.read, maxPoints, afterSeq);
  }

  forwardedTelemetry(seqs: readonly number[]): Promise<void> {
    return deleteHandoff(this.#driver, seqs);
  }

  shedTelemetry(keepPoints: number): Promise<number> {
    return shedHandoff(this.#driver, keepPoints);
  }

  async close(): Promise<void> {
    await this.#driver.close();
  }
}

function compareTime(atA: string, idA: string, atB: string, idB: string): number {
  // Two UTC timestamps of the same form compare as text; others (offsets, PostgreSQL) as instants.
  const sameForm = atA.length === atB.length && atA.endsWith("Z") && atB.endsWith("Z");
  const order = sameForm ? (atA < atB ? -1 : atA > atB ? 1 : 0) : Date.parse(atA) - Date.parse(atB);
  if (order !== 0) return order;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

function serialStatus(m: Movement): SerialRecord["status"] {
  if (m.to !== undefined) return "in_stock";
  return m.movementType === "SHIPMENT" ? "shipped" : "removed";
}

/** Content hashes of the ids found in `table` (events). */
async function hashesIn(tx: SqlDb, table: "events", ids: readonly string[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    const ids = tx.inList("id", chunk);
    const rows = await tx.all<{ id: string; hash: string }>(
      `SELECT id, hash FROM ${table} WHERE ${ids.sql}`,
      ids.params,
    );
    for (const row of rows) hashes.set(row.id, row.hash);
  }
  return hashes;
}

/** Content hashes of the ids found in movements: from the stored body (older rows keep a hash in events). */
async function movementHashes(tx: SqlDb, ids: readonly string[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    const ids = tx.inList("m.id", chunk);
    const rows = await tx.all<StoredMovementColumns & { body: unknown; hash: string | null }>(
      `SELECT ${MOVEMENT_COLUMNS}, m.body, e.hash FROM ${MOVEMENT_FROM} WHERE ${ids.sql}`,
      ids.params,
    );
    for (const row of rows) {
      // The movement put together again from its columns and body, in whatever key order: canonical here.
      const body = row.body === null ? undefined : canonicalMovement(movementFromStored(row, json(row.body)));
      const hash = body !== undefined ? contentHash(body) : row.hash;
      if (hash !== null) hashes.set(row.id, hash);
    }
  }
  return hashes;
}

async function allItemRules(tx: SqlDb): Promise<Map<string, ItemRule>> {
  const rules = new Map<string, ItemRule>();
  for (const row of await tx.all<{ body: unknown }>("SELECT body FROM items")) {
    const item = LedgerItem.parse(json(row.body));
    rules.set(item.sku, item);
  }
  return rules;
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

/** Alerts people may see: a pending one is nobody's business until its grace is over. */
const told = (alerts: readonly Alert[]): Alert[] => alerts.filter((a) => a.status !== "pending");

async function zoneKinds(tx: SqlDb, codes: readonly string[]): Promise<Map<string, string>> {
  const kinds = new Map<string, string>();
  for (let i = 0; i < codes.length; i += 500) {
    const chunk = codes.slice(i, i + 500);
    const codesIn = tx.inList("l.code", chunk);
    const rows = await tx.all<{ code: string; kind: string }>(
      `SELECT l.code, z.kind FROM locations l JOIN zones z ON z.site_id = l.site_id AND z.zone_id = l.zone_id
       WHERE ${codesIn.sql}`,
      codesIn.params,
    );
    for (const row of rows) kinds.set(row.code, row.kind);
  }
  return kinds;
}

async function locationTotals(
  tx: SqlDb,
  pairs: readonly { sku: string; location: string }[],
): Promise<{ sku: string; location: string; qty: number }[]> {
  const out: { sku: string; location: string; qty: number }[] = [];
  for (const p of pairs) {
    const rows = await tx.all<{ qty: unknown }>(
      "SELECT COALESCE(SUM(qty), 0) AS qty FROM positions WHERE sku = ? AND location = ?",
      [p.sku, p.location],
    );
    out.push({ sku: p.sku, location: p.location, qty: num(rows[0]?.qty ?? 0) });
  }
  return out;
}

/**
 * A sensor's reading: telemetry that is not a summary, a cycle count or a dead-letter count. It skips the
 * ledger's exactly-once bookkeeping: a resend is the same point (its id comes from its content), and writing a
 * point twice to the telemetry store changes nothing. The others keep it: the ledger acts on counts, and a
 * summary's id names its period, so a replay that saw only part of the period must be refused as a conflict,
 * not overwrite the whole period's point in InfluxDB.
 */
function isSensorReading(e: EdgeEvent): e is Telemetry {
  return (
    e.kind === "telemetry" &&
    e.summary === undefined &&
    !e.metric.startsWith("count:") &&
    e.metric !== DEAD_LETTERS_METRIC
  );
}

/** Sensor readings apart from the events that keep the ledger's exactly-once bookkeeping. */
function splitSensorTelemetry(events: readonly EdgeEvent[]): { sensor: Telemetry[]; ledgerEvents: EdgeEvent[] } {
  const sensor: Telemetry[] = [];
  const ledgerEvents: EdgeEvent[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (!isSensorReading(e)) {
      ledgerEvents.push(e);
    } else if (!seen.has(e.id)) {
      // An id twice in one call: the first is the reading (ingest refuses a batch's changed repeat before this).
      seen.add(e.id);
      sensor.push(e);
    }
  }
  return { sensor, ledgerEvents };
}

/** The telemetry to hand off, in the order the batch sent it (the forwarder and the bound go by that order). */
function inCommitOrder(
  events: readonly EdgeEvent[],
  applied: readonly Telemetry[],
  sensor: readonly Telemetry[],
): Telemetry[] {
  if (applied.length === 0) return [...sensor];
  if (sensor.length === 0) return [...applied];
  const chosen = new Set<Telemetry>([...applied, ...sensor]);
  const out: Telemetry[] = [];
  for (const e of events) if (e.kind === "telemetry" && chosen.delete(e)) out.push(e);
  // Applied telemetry is the caller's own objects; anything not found by identity keeps its place at the end.
  out.push(...chosen);
  return out;
}
