import {
  type CorrectionTask,
  type EdgeEvent,
  type ExpectedReceipt,
  type ExpectedShipment,
  type HistoryEntry,
  LedgerItem,
  type LedgerLocation,
  Movement,
  MovementType,
  type SerialRecord,
  SerialStatus,
  type SiteLayout,
  type Telemetry,
  TemperatureClass,
  ZoneKind,
} from "@tally/protocols";
import type { Alert } from "../alerts/alert.js";
import { conditionCause } from "../alerts/apply-condition.js";
import { DEAD_LETTERS_METRIC, deadLetterCauses } from "../alerts/cloud-rules.js";
import { canonicalJson, canonicalMovement, contentHash } from "../ledger/canonical-json.js";
import { classifyEvents, firstOccurrences, type HashedEvent, hashEvents } from "../ledger/classify-events.js";
import { CLOUD_SOURCE } from "../ledger/cloud-source.js";
import { derivedId } from "../ledger/derived-id.js";
import {
  type AlertQuery,
  type CommitMeta,
  type CommitResult,
  type ConflictRecord,
  type CountRecord,
  DEFAULT_MOVEMENT_LIMIT,
  type ExpectedKind,
  type ExpectedQuery,
  type HistoryQuery,
  type LedgerStore,
  MAX_MOVEMENT_LIMIT,
  MAX_PAGE_LIMIT,
  type MovementQuery,
  type PageQuery,
  type Position,
  type PutResult,
  pageLimit,
  type SiteImport,
  type StockQuery,
  type StockTotals,
} from "../ledger/ledger-store.js";
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
import { locationWithin } from "./location-within.js";
import { ANY_LIVE_STOCK_ALERT, latestAlerts, SqlAlertStore } from "./sql-alert-store.js";
import { type Column, type InsertSpec, iso, json, num, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { SqlExcursionStore } from "./sql-excursion-store.js";
import { SqlNotificationStore } from "./sql-notification-store.js";
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

/**
 * A movement as stored: its columns and body (`movementFromStored`). `COALESCE` covers rows from before
 * migration 4, whose whole body is in events.
 */
const MOVEMENT_COLUMNS =
  "m.id, m.site_id, m.movement_type, m.sku, m.qty, m.from_location, m.to_location, m.lot, m.occurred_at, m.epc, m.sscc";
const MOVEMENT_SELECT = `${MOVEMENT_COLUMNS}, COALESCE(m.body, e.body) AS body`;
const MOVEMENT_FROM = "movements m LEFT JOIN events e ON m.body IS NULL AND e.id = m.id";
type MovementRow = StoredMovementColumns & { body: unknown };
const readMovement = (row: MovementRow): Movement => Movement.parse(movementFromStored(row, json(row.body)));

type HashedMovement = HashedEvent & { readonly event: Movement };

// A guard, not a copy: the hash is a lazy getter a spread would lose.
const isHashedMovement = (h: HashedEvent): h is HashedMovement => h.event.kind === "movement";

interface CommitOptions {
  /** Apply `negativeStock: "refuse"` (edge movements); adjustments a person decided are always applied. */
  enforceRefusal: boolean;
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
  #rules: { at: number; rules: Map<string, ItemRule> } | undefined;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
    this.kind = driver.kind;
    this.security = new SqlSecurityStore(driver);
    this.alerting = new SqlAlertStore(driver);
    this.tasks = new SqlTaskStore(driver, (tx, meta, movements) => this.postAdjustmentsIn(tx, meta, movements));
    this.notifications = new SqlNotificationStore(driver);
    this.excursions = new SqlExcursionStore(driver);
    // What alerts tell goes to the notifications' outbox, in the transaction that changed the alert.
    this.alerting.sendEventsTo(enqueueAlertEvents);
  }

  async commit(meta: CommitMeta, events: readonly EdgeEvent[]): Promise<CommitResult> {
    return this.#driver.write((tx) => this.#commitIn(tx, meta, events, { enforceRefusal: true }));
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
    await this.#applyMovements(
      tx,
      parts.movements.filter((m) => !heldIds.has(m.id)),
      now,
      alerts,
    );
    // A cycle count that disagrees with the ledger opens a COUNT_MISMATCH task (after this batch's movements).
    heldTasks.push(...(await this.#countMismatches(tx, parts.telemetry)));
    if (heldTasks.length > 0) {
      const cloudMeta = { edgeId: CLOUD_SOURCE, siteId: meta.siteId, batchId: meta.batchId, seq: meta.seq };
      await this.#insertEvents(tx, cloudMeta, hashEvents(heldTasks), now);
    }
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
      "INSERT INTO commits (edge_id, site_id, batch_id, batch_seq, committed_at) VALUES (?, ?, ?, ?, ?) RETURNING seq",
      [meta.edgeId, meta.siteId, meta.batchId, meta.seq, now],
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
    if (count === movements.length) return movements.map((m) => ({ id: m.id }));
    if (count === 0) {
      // A resend: nothing of it is this commit's.
      await tx.run("DELETE FROM commits WHERE seq = ?", [commitSeq]);
      return [];
    }
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
   * ledger's stock of that SKU there, all lots: each disagreement is a
   * COUNT_MISMATCH task with both figures (its id derives from the count's,
   * so a resend makes none twice). The ledger is not changed: a supervisor
   * decides, and completing the task posts the adjustment.
   */
  async #countMismatches(tx: SqlDb, telemetry: readonly Telemetry[]): Promise<CorrectionTask[]> {
    const tasks: CorrectionTask[] = [];
    for (const t of telemetry) {
      if (!t.metric.startsWith("count:") || t.location === undefined) continue;
      const sku = t.metric.slice("count:".length);
      const [row] = await tx.all<{ qty: unknown }>(
        "SELECT COALESCE(SUM(qty), 0) AS qty FROM positions WHERE sku = ? AND location = ?",
        [sku, t.location],
      );
      const recorded = Number(row?.qty ?? 0);
      if (recorded === t.value) continue;
      tasks.push({
        kind: "task",
        id: derivedId(`count-mismatch:${t.id}`),
        siteId: t.siteId,
        occurredAt: t.occurredAt,
        taskType: "COUNT_MISMATCH",
        location: t.location,
        sku,
        priority: "high",
        detail: `counted ${t.value} ${sku} at ${t.location}; the ledger has ${recorded}`,
        evidence: {
          deviceId: t.deviceId,
          observationIds: [t.id],
          ...(t.operatorId !== undefined && { operatorId: t.operatorId }),
        },
      });
    }
    return tasks;
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
  async #applyMovements(tx: SqlDb, movements: readonly Movement[], now: string, alerts: Alert[]): Promise<void> {
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
    await this.#stockAlerts(tx, touched, anyOpen, rules, now, alerts);
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
  ): Promise<void> {
    if (touched.length === 0) return;
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
    if (candidates.length === 0 && !anyOpen) return;
    const keys = [
      ...touched.map((p) => negativeStockKey(p.sku, p.location, p.lot)),
      ...totals.map((t) => lowStockKey(t.sku, t.location)),
    ];
    const causes = stockAlertCauses({ touched, totals, rules, open: await latestAlerts(tx, keys), at: now, newId });
    alerts.push(...told(await this.alerting.applyCausesIn(tx, causes, now)));
  }

  async stock(query: StockQuery = {}): Promise<Position[]> {
    const { where, params } = this.#stockFilter(query);
    const c = this.#driver.collate;
    if (query.after !== undefined) {
      const { sku, location, lot } = query.after;
      where.push(`(sku${c} > ? OR (sku = ? AND (location${c} > ? OR (location = ? AND lot${c} > ?))))`);
      params.push(sku, sku, location, location, lot);
    }
    let limit = "";
    if (query.limit !== undefined) {
      limit = " LIMIT ?";
      params.push(pageLimit(query.limit));
    }
    const rows = await this.#driver.read.all<{ sku: string; location: string; lot: string; qty: unknown }>(
      `SELECT sku, location, lot, qty FROM positions WHERE ${where.join(" AND ")}
       ORDER BY sku${c}, location${c}, lot${c}${limit}`,
      params,
    );
    return rows.map((r) => ({ sku: r.sku, location: r.location, lot: r.lot, qty: num(r.qty) }));
  }

  async stockTotals(query: StockQuery, skus: readonly string[]): Promise<StockTotals> {
    const { where, params } = this.#stockFilter(query);
    const [all] = await this.#driver.read.all<{ n: unknown; qty: unknown }>(
      `SELECT COUNT(*) AS n, COALESCE(SUM(qty), 0) AS qty FROM positions WHERE ${where.join(" AND ")}`,
      params,
    );
    const wanted = [...new Set(skus)].slice(0, MAX_PAGE_LIMIT);
    const bySku =
      wanted.length === 0
        ? []
        : await this.#driver.read.all<{ sku: string; qty: unknown }>(
            `SELECT sku, SUM(qty) AS qty FROM positions
             WHERE ${where.join(" AND ")} AND sku IN (${wanted.map(() => "?").join(", ")})
             GROUP BY sku ORDER BY sku${this.#driver.collate}`,
            [...params, ...wanted],
          );
    return {
      totalQty: num(all?.qty ?? 0),
      positions: num(all?.n ?? 0),
      bySku: bySku.map((r) => ({ sku: r.sku, qty: num(r.qty) })),
    };
  }

  #stockFilter(query: StockQuery): { where: string[]; params: unknown[] } {
    const where = ["qty <> 0"];
    const params: unknown[] = [];
    const c = this.#driver.collate;
    if (query.siteId !== undefined) {
      const within = locationWithin("location", `${query.siteId}/`, c);
      where.push(within.sql);
      params.push(...within.params);
    }
    if (query.sku !== undefined) {
      where.push("sku = ?");
      params.push(query.sku);
    }
    if (query.locationPrefix !== undefined) {
      const within = locationWithin("location", query.locationPrefix, c);
      where.push(within.sql);
      params.push(...within.params);
    }
    if (query.zone !== undefined) {
      // Codes are SITE/ZONE/BIN with no '/' inside a segment: the zone is what sits between the two slashes.
      where.push("location LIKE ? ESCAPE '\\'");
      params.push(`%/${escapeLike(query.zone)}/%`);
    }
    if (query.lot !== undefined) {
      where.push("lot = ?");
      params.push(query.lot);
    }
    return { where, params };
  }

  async movements(query: MovementQuery = {}): Promise<Movement[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    // With a selective filter (a SKU, an EPC, a location), site and type only sift what its index finds: written
    // so no index serves them, or SQLite, which keeps no statistics, may walk a site's or a type's whole range.
    const narrow = query.sku !== undefined || query.epc !== undefined || query.location !== undefined;
    const sift = (column: string) => (narrow ? `${column} || '' = ?` : `${column} = ?`);
    if (query.siteId !== undefined) {
      where.push(sift("m.site_id"));
      params.push(query.siteId);
    }
    if (query.sku !== undefined) {
      where.push("m.sku = ?");
      params.push(query.sku);
    }
    if (query.movementType !== undefined) {
      where.push(sift("m.movement_type"));
      params.push(query.movementType);
    }
    if (query.epc !== undefined) {
      where.push("m.epc = ?");
      params.push(query.epc);
    }
    // Always a bound on seq, so the read with no filter walks the primary key from the cursor (or the start).
    if (query.after !== undefined) {
      where.push("m.seq > COALESCE((SELECT seq FROM movements WHERE id = ?), 0)");
      params.push(query.after);
    } else where.push("m.seq > 0");
    const limit = Math.min(query.limit ?? DEFAULT_MOVEMENT_LIMIT, MAX_MOVEMENT_LIMIT);
    if (query.location === undefined) {
      const rows = await this.#driver.read.all<MovementRow>(
        `SELECT ${MOVEMENT_SELECT} FROM ${MOVEMENT_FROM} WHERE ${where.join(" AND ")} ORDER BY m.seq LIMIT ?`,
        [...params, limit],
      );
      return rows.map(readMovement);
    }
    // From or to a location: an OR of two columns is no index walk in seq order; each column's own index is,
    // so each side takes its first `limit` and the page is the first `limit` of both.
    const c = this.#driver.collate;
    const side = (column: string) =>
      `SELECT seq FROM (SELECT m.seq FROM movements m WHERE m.${column}${c} = ? AND ${where.join(" AND ")}
       ORDER BY m.seq LIMIT ?) AS ${column}_side`;
    const rows = await this.#driver.read.all<MovementRow>(
      `SELECT ${MOVEMENT_SELECT} FROM ${MOVEMENT_FROM}
       WHERE m.seq IN (${side("from_location")} UNION ${side("to_location")}) ORDER BY m.seq LIMIT ?`,
      [query.location, ...params, limit, query.location, ...params, limit, limit],
    );
    return rows.map(readMovement);
  }

  async commitTimes(ids: readonly string[]): Promise<Map<string, string>> {
    const times = new Map<string, string>();
    if (ids.length === 0) return times;
    const list = this.#driver.read.inList("m.id", ids);
    // Rows since migration 7 name their commit; older ones keep the time on the row (or, held ones, in events).
    const rows = await this.#driver.read.all<{ id: string; committed_at: unknown }>(
      `SELECT m.id, COALESCE(c.committed_at, m.committed_at, e.committed_at) AS committed_at
       FROM movements m LEFT JOIN commits c ON c.seq = m.commit_seq LEFT JOIN events e ON e.id = m.id
       WHERE ${list.sql}`,
      list.params,
    );
    for (const row of rows) if (row.committed_at !== null) times.set(row.id, iso(row.committed_at));
    return times;
  }

  async movement(id: string): Promise<Movement | undefined> {
    const rows = await this.#driver.read.all<MovementRow>(
      `SELECT ${MOVEMENT_SELECT} FROM ${MOVEMENT_FROM} WHERE m.id = ?`,
      [id],
    );
    const row = rows[0];
    return row === undefined ? undefined : readMovement(row);
  }

  async history(query: HistoryQuery): Promise<HistoryEntry[]> {
    const c = this.#driver.collate;
    const limit = Math.min(query.limit ?? DEFAULT_MOVEMENT_LIMIT, MAX_MOVEMENT_LIMIT);
    /** The query's location and lot filters on a leg's location column. */
    const filters = (column: string) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.locationPrefix !== undefined) {
        const within = locationWithin(column, query.locationPrefix, c);
        where.push(within.sql);
        params.push(...within.params);
      }
      if (query.lot !== undefined) {
        where.push("lot = ?");
        params.push(query.lot);
      }
      return { sql: where.map((w) => ` AND ${w}`).join(""), params };
    };
    const ins = filters("to_location");
    const outs = filters("from_location");
    const held = filters("location");
    // Ordered by occurredAt, then id: a late event lands in its place, and
    // the order does not depend on arrival. Out-legs before in-legs at a tie.
    // Only the latest `limit` legs are read (each side walks the SKU's time
    // index backwards and stops); a balance counts every earlier leg, which
    // is the stock now (positions: the sum of every leg, kept in the same
    // transactions) less the legs after it, all of which are on the page.
    const order = "occurred_at, id, delta";
    const rows = await this.#driver.read.all<{
      id: string;
      occurred_at: unknown;
      movement_type: string;
      location: string;
      lot: string;
      delta: unknown;
      balance: unknown;
    }>(
      `WITH latest AS (
         SELECT * FROM (
           SELECT id, occurred_at, movement_type, to_location AS location, lot, qty AS delta FROM movements
           WHERE sku = ? AND to_location IS NOT NULL${ins.sql} ORDER BY occurred_at DESC, id DESC LIMIT ?) AS ins
         UNION ALL
         SELECT * FROM (
           SELECT id, occurred_at, movement_type, from_location AS location, lot, -qty AS delta FROM movements
           WHERE sku = ? AND from_location IS NOT NULL${outs.sql} ORDER BY occurred_at DESC, id DESC LIMIT ?) AS outs
       ), page AS (
         SELECT * FROM latest ORDER BY occurred_at DESC, id DESC, delta DESC LIMIT ?
       ), stock AS (
         SELECT COALESCE(SUM(qty), 0) AS qty FROM positions WHERE sku = ?${held.sql}
       )
       SELECT id, occurred_at, movement_type, location, lot, delta,
         stock.qty - SUM(delta) OVER () + SUM(delta) OVER (ORDER BY ${order} ROWS UNBOUNDED PRECEDING) AS balance
       FROM page CROSS JOIN stock ORDER BY ${order}`,
      [query.sku, ...ins.params, limit, query.sku, ...outs.params, limit, limit, query.sku, ...held.params],
    );
    return rows.map((r) => ({
      movementId: r.id,
      occurredAt: iso(r.occurred_at),
      movementType: MovementType.parse(r.movement_type),
      location: r.location,
      lot: r.lot,
      delta: num(r.delta),
      balance: num(r.balance),
    }));
  }

  async serial(epc: string): Promise<SerialRecord | undefined> {
    const rows = await this.#driver.read.all<{
      epc: string;
      sku: string;
      location: string | null;
      lot: string;
      status: string;
      last_movement_id: string;
      last_seen_at: unknown;
    }>("SELECT epc, sku, location, lot, status, last_movement_id, last_seen_at FROM serials WHERE epc = ?", [epc]);
    const row = rows[0];
    if (row === undefined) return undefined;
    const record: SerialRecord = {
      epc: row.epc,
      sku: row.sku,
      lot: row.lot,
      status: SerialStatus.parse(row.status),
      lastMovementId: row.last_movement_id,
      lastSeenAt: iso(row.last_seen_at),
    };
    if (row.location !== null) record.location = row.location;
    return record;
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

  async items(query: PageQuery = {}): Promise<LedgerItem[]> {
    const c = this.#driver.collate;
    const params: unknown[] = [];
    let where = "";
    if (query.after !== undefined) {
      where = `WHERE sku${c} > ?`;
      params.push(query.after);
    }
    let limit = "";
    if (query.limit !== undefined) {
      limit = " LIMIT ?";
      params.push(pageLimit(query.limit));
    }
    const rows = await this.#driver.read.all<{ body: unknown }>(
      `SELECT body FROM items ${where} ORDER BY sku${c}${limit}`,
      params,
    );
    return rows.map((r) => LedgerItem.parse(json(r.body)));
  }

  async item(sku: string): Promise<LedgerItem | undefined> {
    const rows = await this.#driver.read.all<{ body: unknown }>("SELECT body FROM items WHERE sku = ?", [sku]);
    const row = rows[0];
    return row === undefined ? undefined : LedgerItem.parse(json(row.body));
  }

  async putItem(item: LedgerItem): Promise<void> {
    await this.#driver.write((tx) => this.#putItem(tx, item));
  }

  async #putItem(tx: SqlDb, item: LedgerItem): Promise<void> {
    this.#rules = undefined;
    await tx.run(
      `INSERT INTO items (sku, body, reorder_point, negative_stock, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (sku) DO UPDATE SET body = excluded.body, reorder_point = excluded.reorder_point,
         negative_stock = excluded.negative_stock, updated_at = excluded.updated_at`,
      [
        item.sku,
        JSON.stringify(item),
        item.reorderPoint ?? null,
        item.negativeStock,
        this.#driver.timestamp(new Date().toISOString()),
      ],
    );
    await tx.run("DELETE FROM item_gtins WHERE sku = ?", [item.sku]);
    await tx.insertRows(
      "item_gtins",
      [
        { name: "gtin", type: "text" },
        { name: "sku", type: "text" },
      ],
      item.gtins.map((g) => [g, item.sku]),
      { suffix: "ON CONFLICT (gtin) DO UPDATE SET sku = excluded.sku" },
    );
  }

  async skuOfGtin(gtin: string): Promise<string | undefined> {
    const rows = await this.#driver.read.all<{ sku: string }>("SELECT sku FROM item_gtins WHERE gtin = ?", [gtin]);
    return rows[0]?.sku;
  }

  async locations(query: { siteId?: string; zone?: string } & PageQuery = {}): Promise<LedgerLocation[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.siteId !== undefined) {
      where.push("l.site_id = ?");
      params.push(query.siteId);
    }
    if (query.zone !== undefined) {
      where.push("l.zone_id = ?");
      params.push(query.zone);
    }
    if (query.after !== undefined) {
      where.push(`l.code${this.#driver.collate} > ?`);
      params.push(query.after);
    }
    let limit = "";
    if (query.limit !== undefined) {
      limit = " LIMIT ?";
      params.push(pageLimit(query.limit));
    }
    const rows = await this.#driver.read.all<{
      code: string;
      site_id: string;
      zone_id: string;
      bin: string;
      name: string | null;
      kind: string;
      temperature_class: string;
    }>(
      `SELECT l.code, l.site_id, l.zone_id, l.bin, l.name, z.kind, z.temperature_class
       FROM locations l JOIN zones z ON z.site_id = l.site_id AND z.zone_id = l.zone_id
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY l.code${this.#driver.collate}${limit}`,
      params,
    );
    return rows.map((r) => ({
      code: r.code,
      siteId: r.site_id,
      zone: r.zone_id,
      bin: r.bin,
      zoneKind: ZoneKind.parse(r.kind),
      temperatureClass: TemperatureClass.parse(r.temperature_class),
      ...(r.name !== null && { name: r.name }),
    }));
  }

  async importSite(layout: SiteLayout): Promise<SiteImport> {
    return this.#driver.write(async (tx) => {
      await tx.insertRows(
        "zones",
        [
          { name: "site_id", type: "text" },
          { name: "zone_id", type: "text" },
          { name: "kind", type: "text" },
          { name: "temperature_class", type: "text" },
          { name: "name", type: "text" },
        ],
        layout.zones.map((z) => [layout.siteId, z.id, z.kind, z.temperatureClass, z.name ?? null]),
        {
          suffix: `ON CONFLICT (site_id, zone_id) DO UPDATE SET kind = excluded.kind,
           temperature_class = excluded.temperature_class, name = excluded.name`,
        },
      );
      await tx.insertRows(
        "locations",
        [
          { name: "code", type: "text" },
          { name: "site_id", type: "text" },
          { name: "zone_id", type: "text" },
          { name: "bin", type: "text" },
          { name: "name", type: "text" },
        ],
        layout.locations.map((l) => [l.code, layout.siteId, l.zone, l.code.split("/")[2] ?? "", l.name ?? null]),
        {
          suffix: `ON CONFLICT (code) DO UPDATE SET site_id = excluded.site_id, zone_id = excluded.zone_id,
           bin = excluded.bin, name = excluded.name`,
        },
      );
      for (const item of layout.items) {
        // Ledger policy set through the API (negative stock, EOQ costs) survives a re-import of the site file.
        const rows = await tx.all<{ body: unknown }>(`SELECT body FROM items WHERE sku = ?${this.#driver.forUpdate}`, [
          item.sku,
        ]);
        const existing = rows[0] === undefined ? {} : json<object>(rows[0].body);
        await this.#putItem(tx, LedgerItem.parse({ ...existing, ...item }));
      }
      return { zones: layout.zones.length, locations: layout.locations.length, items: layout.items.length };
    });
  }

  putExpected(kind: "receipt", value: ExpectedReceipt): Promise<PutResult>;
  putExpected(kind: "shipment", value: ExpectedShipment): Promise<PutResult>;
  async putExpected(kind: ExpectedKind, value: ExpectedReceipt | ExpectedShipment): Promise<PutResult> {
    return this.#driver.write(async (tx) => {
      const body = canonicalJson({ ...value, status: "open" });
      const rows = await tx.all<{ body: unknown }>("SELECT body FROM expected WHERE kind = ? AND id = ?", [
        kind,
        value.id,
      ]);
      const row = rows[0];
      if (row !== undefined) return canonicalJson(json(row.body)) === body ? "unchanged" : "conflict";
      await tx.run(
        "INSERT INTO expected (kind, id, site_id, status, body, created_at) VALUES (?, ?, ?, 'open', ?, ?)",
        [kind, value.id, value.siteId, body, this.#driver.timestamp(new Date().toISOString())],
      );
      await tx.insertRows(
        "expected_lines",
        [
          { name: "kind", type: "text" },
          { name: "expected_id", type: "text" },
          { name: "line_no", type: "integer" },
          { name: "sku", type: "text" },
          { name: "qty", type: "integer" },
          { name: "sscc", type: "text" },
          { name: "gtin", type: "text" },
          { name: "lot", type: "text" },
        ],
        value.lines.map((l, i) => [kind, value.id, i + 1, l.sku, l.qty, l.sscc ?? null, l.gtin ?? null, l.lot ?? null]),
      );
      return "created";
    });
  }

  async #expected(kind: ExpectedKind, query: ExpectedQuery): Promise<{ status: string; body: unknown }[]> {
    const where = ["kind = ?"];
    const params: unknown[] = [kind];
    if (query.id !== undefined) {
      where.push("id = ?");
      params.push(query.id);
    }
    if (query.siteId !== undefined) {
      where.push("site_id = ?");
      params.push(query.siteId);
    }
    if (query.status !== undefined) {
      where.push("status = ?");
      params.push(query.status);
    }
    const c = this.#driver.collate;
    if (query.after !== undefined) {
      // Creation order, then id: the cursor is the last document's id, its creation time read back here.
      const at = "(SELECT created_at FROM expected WHERE kind = ? AND id = ?)";
      where.push(`(created_at > ${at} OR (created_at = ${at} AND id${c} > ?))`);
      params.push(kind, query.after, kind, query.after, query.after);
    }
    let limit = "";
    if (query.limit !== undefined) {
      limit = " LIMIT ?";
      params.push(pageLimit(query.limit));
    }
    return this.#driver.read.all(
      `SELECT status, body FROM expected WHERE ${where.join(" AND ")} ORDER BY created_at, id${c}${limit}`,
      params,
    );
  }

  async expectedReceipts(query: ExpectedQuery = {}): Promise<ExpectedReceipt[]> {
    return (await this.#expected("receipt", query)).map((r) => ({
      ...json<ExpectedReceipt>(r.body),
      status: r.status === "closed" ? "closed" : "open",
    }));
  }

  async expectedShipments(query: ExpectedQuery = {}): Promise<ExpectedShipment[]> {
    return (await this.#expected("shipment", query)).map((r) => ({
      ...json<ExpectedShipment>(r.body),
      status: r.status === "closed" ? "closed" : "open",
    }));
  }

  async closeExpected(kind: ExpectedKind, id: string): Promise<"closed" | "already-closed" | undefined> {
    return this.#driver.write(async (tx) => {
      const changed = await tx.run(
        "UPDATE expected SET status = 'closed', closed_at = ? WHERE kind = ? AND id = ? AND status = 'open'",
        [this.#driver.timestamp(new Date().toISOString()), kind, id],
      );
      if (changed > 0) return "closed";
      const rows = await tx.all("SELECT 1 AS one FROM expected WHERE kind = ? AND id = ?", [kind, id]);
      return rows.length > 0 ? "already-closed" : undefined;
    });
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

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
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
