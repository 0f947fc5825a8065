import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { checkTelemetryPoint } from "../telemetry/check-telemetry-point.js";
import { pointAggregates } from "../telemetry/point-aggregates.js";
import type {
  RawReading,
  RejectedPoint,
  TelemetryPoint,
  TelemetryQuery,
  TelemetryResult,
  TelemetryStore,
  WindowReading,
  WriteResult,
} from "../telemetry/telemetry-store.js";
import { windowMs, zoneOf } from "../telemetry/telemetry-window.js";

/** Points per transaction: each is one fsync, and a large write does not hold the file for long. */
const CHUNK = 5000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS readings (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    unit TEXT NOT NULL,
    location TEXT,
    zone TEXT,
    at_ms INTEGER NOT NULL,
    value REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    count INTEGER NOT NULL,
    sum REAL NOT NULL,
    period_s INTEGER,
    detail INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS readings_at ON readings (at_ms);
  CREATE INDEX IF NOT EXISTS readings_metric_at ON readings (metric, at_ms);
  CREATE INDEX IF NOT EXISTS readings_device_at ON readings (site_id, device_id, at_ms);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * A file from before summaries has plain readings only: each is one reading of itself. SQLite cannot add a
 * NOT NULL column without a default, so the added columns default to 0 and are filled from `value` here.
 */
const SUMMARY_COLUMNS = `
  ALTER TABLE readings ADD COLUMN min REAL NOT NULL DEFAULT 0;
  ALTER TABLE readings ADD COLUMN max REAL NOT NULL DEFAULT 0;
  ALTER TABLE readings ADD COLUMN count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE readings ADD COLUMN sum REAL NOT NULL DEFAULT 0;
  ALTER TABLE readings ADD COLUMN period_s INTEGER;
  ALTER TABLE readings ADD COLUMN detail INTEGER NOT NULL DEFAULT 0;
  UPDATE readings SET min = value, max = value, count = 1, sum = value;
`;

interface RawRow {
  site_id: string;
  device_id: string;
  metric: string;
  unit: string;
  location: string | null;
  at_ms: number;
  value: number;
  min: number;
  max: number;
  count: number;
  period_s: number | null;
  detail: number;
}

interface BucketRow {
  site_id: string;
  device_id: string;
  metric: string;
  unit: string;
  start_ms: number;
  min: number;
  mean: number;
  max: number;
  count: number;
}

/**
 * The embedded telemetry store: its own SQLite file beside the ledger (WAL,
 * synchronous=FULL), so telemetry's volume never slows ledger commits. Raw
 * points are kept, each with the min/max/count/sum it stands for (a reading
 * one of itself, a summary its period's); windows (1m, 5m, 1h) are computed by the query from them
 * (`GROUP BY` over an index on time), which costs nothing at write time and
 * keeps one source of truth for a single-machine system.
 */
export class SqliteTelemetryStore implements TelemetryStore {
  readonly kind = "sqlite" as const;
  readonly #db: Database;
  #closed = false;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.#db = new BetterSqlite3(file);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    this.#db.pragma("busy_timeout = 5000");
    this.#db.transaction(() => {
      this.#db.exec(SCHEMA);
      const columns = this.#db.prepare("SELECT name FROM pragma_table_info('readings')").all() as { name: string }[];
      if (!columns.some((c) => c.name === "count")) this.#db.exec(SUMMARY_COLUMNS);
    })();
  }

  async write(points: readonly TelemetryPoint[]): Promise<WriteResult> {
    const rejected: RejectedPoint[] = [];
    const rows: TelemetryPoint[] = [];
    for (const point of points) {
      const problem = checkTelemetryPoint(point);
      if (problem === undefined) rows.push(point);
      else rejected.push({ id: String(point.id), ...problem, point });
    }
    const insert = this.#db.prepare(
      `INSERT INTO readings
         (id, site_id, device_id, metric, unit, location, zone, at_ms, value, min, max, count, sum, period_s, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    const chunk = this.#db.transaction((part: readonly TelemetryPoint[]) => {
      for (const p of part) {
        const a = pointAggregates(p);
        insert.run(
          p.id,
          p.siteId,
          p.deviceId,
          p.metric,
          p.unit,
          p.location ?? null,
          zoneOf(p.location) ?? null,
          Date.parse(p.at),
          p.value,
          a.min,
          a.max,
          a.count,
          a.sum,
          p.summary?.periodS ?? null,
          p.detail === true ? 1 : 0,
        );
      }
    });
    for (let i = 0; i < rows.length; i += CHUNK) chunk(rows.slice(i, i + CHUNK));
    return { written: rows.length, rejected };
  }

  async query(query: TelemetryQuery): Promise<TelemetryResult> {
    const where = ["at_ms >= ?", "at_ms < ?"];
    const params: (string | number)[] = [query.fromMs, query.toMs];
    const filters: [string, string | undefined][] = [
      ["site_id", query.siteId],
      ["device_id", query.deviceId],
      ["metric", query.metric],
      ["zone", query.zone],
    ];
    for (const [column, value] of filters) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    if (query.window === "raw") {
      const rows = this.#db
        .prepare(
          `SELECT site_id, device_id, metric, unit, location, at_ms, value, min, max, count, period_s, detail
           FROM readings
           WHERE ${where.join(" AND ")} ORDER BY at_ms, site_id, device_id, metric, id LIMIT ?`,
        )
        .all(...params, query.limit + 1) as RawRow[];
      const points = rows.slice(0, query.limit).map(
        (r): RawReading => ({
          siteId: r.site_id,
          deviceId: r.device_id,
          metric: r.metric,
          unit: r.unit,
          ...(r.location !== null && { location: r.location }),
          at: new Date(r.at_ms).toISOString(),
          value: r.value,
          ...(r.period_s !== null && { periodS: r.period_s, min: r.min, max: r.max, count: r.count }),
          ...(r.detail === 1 && { detail: true as const }),
        }),
      );
      return { window: "raw", points, truncated: rows.length > query.limit };
    }
    const width = windowMs(query.window);
    // An integer literal (from a fixed table), not a parameter: a bound JS number is a REAL, and REAL
    // division does not floor. Integer division truncates toward zero: negative times are shifted.
    const w = String(Math.trunc(width));
    const rows = this.#db
      .prepare(
        `SELECT site_id, device_id, metric, unit,
           (CASE WHEN at_ms >= 0 THEN at_ms / ${w} ELSE -((-at_ms + ${w} - 1) / ${w}) END) * ${w} AS start_ms,
           MIN(min) AS min, SUM(sum) / SUM(count) AS mean, MAX(max) AS max, SUM(count) AS count
         FROM readings WHERE ${where.join(" AND ")} AND detail = 0
         GROUP BY site_id, device_id, metric, unit, start_ms
         ORDER BY start_ms, site_id, device_id, metric, unit LIMIT ?`,
      )
      .all(...params, query.limit + 1) as BucketRow[];
    const buckets = rows.slice(0, query.limit).map(
      (r): WindowReading => ({
        siteId: r.site_id,
        deviceId: r.device_id,
        metric: r.metric,
        unit: r.unit,
        start: new Date(r.start_ms).toISOString(),
        min: r.min,
        mean: r.mean,
        max: r.max,
        count: r.count,
      }),
    );
    return { window: query.window, buckets, truncated: rows.length > query.limit };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
