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
import { classifyEvents, firstOccurrences, type HashedEvent, hashEvents } from "../ledger/classify-events.js";
import { CLOUD_SOURCE } from "../ledger/cloud-source.js";
import { type CountPolicy, REVIEW_EVERY_COUNT } from "../ledger/count-outcome.js";
import { derivedId } from "../ledger/derived-id.js";
import type { HandoffReadings } from "../ledger/handoff-body.js";
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
import { newId } from "../ledger/new-id.js";
import { partitionEvents } from "../ledger/partition-events.js";
import type { ItemRule } from "../ledger/stock-rules.js";
import type { HandoffRow } from "../ledger/telemetry-handoff.js";
import { enqueueAlertEvents } from "../notifications/enqueue-alert-events.js";
import { SqlAlertStore } from "./sql-alert-store.js";
import { applyMovements } from "./sql-apply-movements.js";
import { batchCommittedIn, recordBatchCommitIn } from "./sql-batch-commits.js";
import { COUNT_COLUMNS, countOutcomes } from "./sql-cycle-counts.js";
import { json, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { conflictRecords, insertEvents, insertTasks, recordConflicts } from "./sql-event-rows.js";
import { SqlExcursionStore } from "./sql-excursion-store.js";
import { SqlExpectedDocuments } from "./sql-expected-documents.js";
import { countRecords, dockToStockSeconds } from "./sql-kpi-reads.js";
import { SqlLedgerReads } from "./sql-ledger-reads.js";
import { type CommitOptions, type HashedMovement, insertMovements, isHashedMovement } from "./sql-movement-inserts.js";
import { MOVEMENT_FROM, MOVEMENT_SELECT, type MovementRow, readMovement } from "./sql-movement-rows.js";
import { SqlNotificationStore } from "./sql-notification-store.js";
import { SqlReferenceData } from "./sql-reference-data.js";
import { SqlSecurityStore } from "./sql-security-store.js";
import { told } from "./sql-stock-alerts.js";
import { hashesIn, movementHashes } from "./sql-stored-hashes.js";
import { SqlTaskStore } from "./sql-task-store.js";
import {
  deleteHandoff,
  handOffReadingsIn,
  handOffTelemetryIn,
  pendingHandoff,
  shedHandoff,
} from "./sql-telemetry-handoff.js";

/** How long item rules are cached; a change made through another process applies within this time. */
const RULES_TTL_MS = 1000;

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

  async commit(meta: CommitMeta, events: readonly EdgeEvent[], readings?: HandoffReadings): Promise<CommitResult> {
    return this.#driver.write(async (tx) => {
      const batchRow = { kept: false };
      const result = await this.#commitIn(tx, meta, events, { enforceRefusal: true, batchRow });
      if (readings !== undefined) await handOffReadingsIn(tx, readings);
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
    const held = await insertMovements(
      { tx, driver: this.#driver, meta, now, itemRules: (skus) => this.#itemRules(tx, skus) },
      firstMovements,
      options,
      inserted,
      heldTasks,
    );
    for (const id of await insertEvents(
      tx,
      this.#driver,
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
    if (classification.conflicts.length > 0) await recordConflicts(tx, meta, hashed, first, stored, now);
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
    const counted = await countOutcomes(tx, parts.telemetry, this.#countPolicy);
    heldTasks.push(...counted.tasks);
    const cloudMeta = { edgeId: CLOUD_SOURCE, siteId: meta.siteId, batchId: meta.batchId, seq: meta.seq };
    if (counted.corrections.length > 0) {
      alerts.push(...(await this.#commitIn(tx, cloudMeta, counted.corrections, { enforceRefusal: false })).alerts);
    }
    if (heldTasks.length > 0) await insertEvents(tx, this.#driver, cloudMeta, hashEvents(heldTasks), now);
    await insertTasks(tx, this.#driver, [...parts.tasks, ...heldTasks]);
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

  conflicts(limit: number): Promise<ConflictRecord[]> {
    return conflictRecords(this.#driver.read, limit);
  }

  /** How far a cycle count may correct the ledger by itself (see {@link CountPolicy}); by default not at all. */
  useCountPolicy(policy: CountPolicy): void {
    this.#countPolicy = policy;
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
    await applyMovements(tx, this.#driver, this.alerting, movements, rules, now, alerts, tasks);
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

  counts(limit: number): Promise<CountRecord[]> {
    return countRecords(this.#driver, limit);
  }

  dockToStockSeconds(limit: number): Promise<number[]> {
    return dockToStockSeconds(this.#driver.read, limit);
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

async function allItemRules(tx: SqlDb): Promise<Map<string, ItemRule>> {
  const rules = new Map<string, ItemRule>();
  for (const row of await tx.all<{ body: unknown }>("SELECT body FROM items")) {
    const item = LedgerItem.parse(json(row.body));
    rules.set(item.sku, item);
  }
  return rules;
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
