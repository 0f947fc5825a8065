import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { CorrectionTask, type EdgeEvent, Movement } from "@tally/protocols";
import BetterSqlite3, { type Database, type Statement, type Transaction } from "better-sqlite3";
import type { Alert } from "../alerts/alert.js";
import { applyCondition } from "../alerts/apply-condition.js";
import { classifyEvents, firstOccurrences, type HashedEvent, hashEvents } from "../ledger/classify-events.js";
import {
  type AlertQuery,
  type CommitMeta,
  type CommitResult,
  DEFAULT_MOVEMENT_LIMIT,
  type LedgerStore,
  type LedgerTask,
  MAX_MOVEMENT_LIMIT,
  type MovementQuery,
  type Position,
  type StockQuery,
} from "../ledger/ledger-store.js";
import { likePrefix } from "../ledger/like-prefix.js";
import { newId } from "../ledger/new-id.js";
import { partitionEvents } from "../ledger/partition-events.js";
import { positionDeltas } from "../ledger/position-deltas.js";
import { ALERT_COLUMNS, type AlertRow, alertFromRow, alertToRow } from "./alert-row.js";
import { migrateSqlite } from "./sqlite-migrations.js";

/** Rows per multi-row statement: keeps bound parameters well under SQLite's 32,766. */
const CHUNK_ROWS = 500;

/** Opens (creating if needed) the SQLite ledger at `file` and migrates it. */
export function openSqliteLedgerStore(file: string): SqliteLedgerStore {
  mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  // WAL + synchronous=FULL: a commit is on disk before the ack leaves, and
  // survives kill -9 and power loss (DESIGN.md, Defaults).
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  migrateSqlite(db);
  return new SqliteLedgerStore(db);
}

export class SqliteLedgerStore implements LedgerStore {
  readonly kind = "sqlite";
  readonly #db: Database;
  readonly #statements = new Map<string, Statement<unknown[], unknown>>();
  readonly #commitTx: Transaction<(meta: CommitMeta, events: readonly EdgeEvent[]) => CommitResult>;

  constructor(db: Database) {
    this.#db = db;
    this.#commitTx = db.transaction((meta: CommitMeta, events: readonly EdgeEvent[]) => this.#commit(meta, events));
  }

  async commit(meta: CommitMeta, events: readonly EdgeEvent[]): Promise<CommitResult> {
    // IMMEDIATE: take the write lock up front so a second process cannot make this transaction fail midway.
    return this.#commitTx.immediate(meta, events);
  }

  #commit(meta: CommitMeta, events: readonly EdgeEvent[]): CommitResult {
    const now = new Date().toISOString();
    const hashed = hashEvents(events);
    const first = firstOccurrences(hashed);
    const inserted = this.#insertEvents(meta, first, now);
    const notInserted = first.filter((h) => !inserted.has(h.event.id)).map((h) => h.event.id);
    const classification = classifyEvents(hashed, inserted, this.#storedHashes(notInserted));
    const parts = partitionEvents(classification.applied);

    this.#insertMany(
      "movements",
      ["id", "site_id", "movement_type", "sku", "qty", "from_location", "to_location", "lot", "occurred_at"],
      parts.movements.map((m) => [
        m.id,
        m.siteId,
        m.movementType,
        m.sku,
        m.qty,
        m.from ?? null,
        m.to ?? null,
        m.lot ?? "",
        m.occurredAt,
      ]),
    );
    this.#insertMany(
      "positions",
      ["sku", "location", "lot", "qty"],
      positionDeltas(parts.movements).map((d) => [d.sku, d.location, d.lot, d.qty]),
      "ON CONFLICT (sku, location, lot) DO UPDATE SET qty = qty + excluded.qty",
    );
    this.#insertMany(
      "tasks",
      ["id", "site_id", "task_type", "location", "priority", "status", "occurred_at"],
      parts.tasks.map((t) => [t.id, t.siteId, t.taskType, t.location, t.priority, "open", t.occurredAt]),
    );
    this.#insertMany(
      "telemetry",
      ["id", "site_id", "device_id", "metric", "value", "unit", "location", "occurred_at"],
      parts.telemetry.map((t) => [
        t.id,
        t.siteId,
        t.deviceId,
        t.metric,
        t.value,
        t.unit,
        t.location ?? null,
        t.occurredAt,
      ]),
    );

    const alerts: Alert[] = [];
    for (const condition of parts.conditions) {
      const openRow = this.#statement(
        `SELECT ${ALERT_COLUMNS} FROM alerts WHERE dedup_key = ? AND status = 'open'`,
      ).get(condition.key) as AlertRow | undefined;
      const change = applyCondition(openRow === undefined ? undefined : alertFromRow(openRow), condition, newId);
      if (change === undefined) continue;
      if (change.action === "open") {
        this.#statement(`INSERT INTO alerts (${ALERT_COLUMNS}) VALUES (${placeholders(13)})`).run(
          ...alertToRow(change.alert),
        );
      } else {
        this.#statement("UPDATE alerts SET status = ?, resolved_at = ? WHERE id = ?").run(
          change.alert.status,
          change.alert.resolvedAt ?? null,
          change.alert.id,
        );
      }
      alerts.push(change.alert);
    }
    return {
      committed: classification.committed,
      duplicates: classification.duplicates,
      conflicts: classification.conflicts,
      alerts,
    };
  }

  /** One multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING id` per chunk; returns the ids it inserted. */
  #insertEvents(meta: CommitMeta, events: readonly HashedEvent[], now: string): Set<string> {
    const columns = [
      "id",
      "kind",
      "site_id",
      "edge_id",
      "batch_id",
      "batch_seq",
      "hash",
      "body",
      "occurred_at",
      "committed_at",
    ];
    const inserted = new Set<string>();
    for (const chunk of chunks(events, CHUNK_ROWS)) {
      const sql = `INSERT INTO events (${columns.join(", ")}) VALUES ${rowPlaceholders(columns.length, chunk.length)}
        ON CONFLICT (id) DO NOTHING RETURNING id`;
      const params = chunk.flatMap((h) => [
        h.event.id,
        h.event.kind,
        h.event.siteId,
        meta.edgeId,
        meta.batchId,
        meta.seq,
        h.hash,
        h.body,
        h.event.occurredAt,
        now,
      ]);
      for (const row of this.#statement(sql).all(...params) as { id: string }[]) inserted.add(row.id);
    }
    return inserted;
  }

  #storedHashes(ids: readonly string[]): Map<string, string> {
    const hashes = new Map<string, string>();
    for (const chunk of chunks(ids, CHUNK_ROWS)) {
      const sql = `SELECT id, hash FROM events WHERE id IN (${placeholders(chunk.length)})`;
      for (const row of this.#statement(sql).all(...chunk) as { id: string; hash: string }[]) {
        hashes.set(row.id, row.hash);
      }
    }
    return hashes;
  }

  #insertMany(table: string, columns: readonly string[], rows: readonly unknown[][], onConflict = ""): void {
    for (const chunk of chunks(rows, CHUNK_ROWS)) {
      const sql = `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${rowPlaceholders(columns.length, chunk.length)} ${onConflict}`;
      this.#statement(sql).run(...chunk.flat());
    }
  }

  /** Prepared statements are cached by text; texts are bounded (≤ CHUNK_ROWS shapes per table). */
  #statement(sql: string): Statement<unknown[], unknown> {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare<unknown[], unknown>(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async stock(query: StockQuery = {}): Promise<Position[]> {
    const where = ["qty <> 0"];
    const params: unknown[] = [];
    if (query.sku !== undefined) {
      where.push("sku = ?");
      params.push(query.sku);
    }
    if (query.locationPrefix !== undefined) {
      where.push("(location = ? OR location LIKE ? ESCAPE '\\')");
      params.push(query.locationPrefix, likePrefix(query.locationPrefix));
    }
    if (query.lot !== undefined) {
      where.push("lot = ?");
      params.push(query.lot);
    }
    const sql = `SELECT sku, location, lot, qty FROM positions WHERE ${where.join(" AND ")} ORDER BY sku, location, lot`;
    return this.#statement(sql).all(...params) as Position[];
  }

  async movements(query: MovementQuery = {}): Promise<Movement[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.sku !== undefined) {
      where.push("m.sku = ?");
      params.push(query.sku);
    }
    if (query.location !== undefined) {
      where.push("(m.from_location = ? OR m.to_location = ?)");
      params.push(query.location, query.location);
    }
    if (query.after !== undefined) {
      where.push("m.seq > COALESCE((SELECT seq FROM movements WHERE id = ?), 0)");
      params.push(query.after);
    }
    params.push(Math.min(query.limit ?? DEFAULT_MOVEMENT_LIMIT, MAX_MOVEMENT_LIMIT));
    const sql = `SELECT e.body FROM movements m JOIN events e ON e.id = m.id
      ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY m.seq LIMIT ?`;
    return (this.#statement(sql).all(...params) as { body: string }[]).map((r) => Movement.parse(JSON.parse(r.body)));
  }

  async alerts(query: AlertQuery = {}): Promise<Alert[]> {
    const sql = `SELECT ${ALERT_COLUMNS} FROM alerts ${query.status !== undefined ? "WHERE status = ?" : ""} ORDER BY seq`;
    const params = query.status !== undefined ? [query.status] : [];
    return (this.#statement(sql).all(...params) as AlertRow[]).map(alertFromRow);
  }

  async tasks(): Promise<LedgerTask[]> {
    const sql = "SELECT t.status, e.body FROM tasks t JOIN events e ON e.id = t.id ORDER BY t.seq";
    return (this.#statement(sql).all() as { status: "open"; body: string }[]).map((r) => ({
      ...CorrectionTask.parse(JSON.parse(r.body)),
      status: r.status,
    }));
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

function placeholders(n: number): string {
  return Array.from({ length: n }, () => "?").join(", ");
}

function rowPlaceholders(columns: number, rows: number): string {
  const row = `(${placeholders(columns)})`;
  return Array.from({ length: rows }, () => row).join(", ");
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
