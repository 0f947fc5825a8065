import { ErrorCode } from "@tally/protocols";
import { FieldType, InfluxDB, type IPoint, escape as influxql } from "influx";
import { checkTelemetryPoint } from "../telemetry/check-telemetry-point.js";
import { isoTimeMs } from "../telemetry/iso-time.js";
import { rollUpPoints } from "../telemetry/roll-up-points.js";
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
import { bucketStart } from "../telemetry/telemetry-window.js";
import { telemetryLine } from "./influx-line-protocol.js";
import { InfluxLineWriter } from "./influx-line-writer.js";

/** Retention of the InfluxDB telemetry store; InfluxQL durations (`7d`, `400d`, `INF`). */
export interface InfluxRetention {
  /** Raw points, default 7 days. */
  raw: string;
  /** 1-minute rollups, default 400 days. */
  rollup: string;
}

export const DEFAULT_INFLUX_RETENTION: InfluxRetention = { raw: "7d", rollup: "400d" };

export interface InfluxTelemetryStoreOptions {
  /** `http(s)://[user:password@]host:port/<database>` */
  url: string;
  retention?: InfluxRetention;
  /** One HTTP request's timeout, ms (default 10 s). */
  requestTimeoutMs?: number;
  /** The clock (tests): which points are too old for the raw retention. */
  now?: () => number;
}

/** Points per HTTP write: the `influx` client's sweet spot on InfluxDB 1.x (about 145k points/s). */
const WRITE_CHUNK = 5000;
/** Chunks written at once. */
const PARALLEL_WRITES = 4;
const RAW_RP = "tally_raw";
const ROLLUP_RP = "tally_rollup";
const MEASUREMENT = "telemetry";
const ROLLUP_MEASUREMENT = "telemetry_1m";
const CQ_NAME = "tally_telemetry_1m";
/** The continuous query recomputes this far back on each run: points that come up to this late are rolled up by it. */
const RESAMPLE_FOR_MS = 2 * 3_600_000;
const MINUTE_MS = 60_000;
/** A margin inside the raw retention: a point this close to its end goes to the rollup instead. */
const RAW_MARGIN_MS = 3_600_000;
const SERIES_TAGS = ["siteId", "deviceId", "metric", "unit"] as const;
/**
 * An excursion-window reading carries this tag (`true`); others have none. A tag, not a field: window
 * queries and the continuous query filter on it, and the reading never overwrites a summary point that
 * starts in the same millisecond (another series).
 */
const DETAIL_TAG = "detail";
/** Points not flagged as detail: InfluxQL reads a missing tag as the empty string. */
const NOT_DETAIL = `${influxql.quoted(DETAIL_TAG)} = ''`;
/** The 1-minute rollup's aggregation, the same for the continuous query and the backfill. */
const ROLLUP_FIELDS = `min("min") AS "min", max("max") AS "max", sum("sum") AS "sum", sum("count") AS "count"`;
/** A continuous query from before summaries aggregated "value": it is dropped and created again. */
const CURRENT_CQ = /sum\(\\?"?count\\?"?\)/;
const DATABASE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Thrown when InfluxDB does not answer or refuses a request: the caller retries. */
export class TelemetryUnavailableError extends Error {
  override name = "TelemetryUnavailableError";
  readonly code = ErrorCode.TelemetryUnavailable;
}

/**
 * The telemetry store on InfluxDB 1.x. At first use it creates, when
 * missing, the database, two retention policies (`tally_raw` for points,
 * `tally_rollup` for the 1-minute rollups) and the continuous query that
 * rolls raw points up every minute (replacing one from an earlier version).
 * A point's identity is its series and time (InfluxDB's own), so writing
 * it again overwrites it with itself. Every raw point carries min, max,
 * count and sum (a reading one of itself, a summary its period's), and
 * windows aggregate those, skipping points tagged `detail`.
 */
export class InfluxTelemetryStore implements TelemetryStore {
  readonly kind = "influxdb" as const;
  readonly #influx: InfluxDB;
  readonly #db: string;
  readonly #retention: InfluxRetention;
  readonly #rawMs: number;
  readonly #now: () => number;
  /** `http(s)://host:port/` for the writes this store posts itself. */
  readonly #base: URL;
  readonly #auth: Record<string, string>;
  /** The raw points' writes, on connections of their own. */
  readonly #lines: InfluxLineWriter;
  #ready: Promise<void> | undefined;

  constructor(options: InfluxTelemetryStoreOptions) {
    const url = new URL(options.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Error(`TALLY_INFLUX_URL must be http(s)://host:port/<database>, not ${url.protocol}`);
    }
    const db = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ""));
    if (!DATABASE_NAME.test(db)) {
      throw new Error("TALLY_INFLUX_URL must name the database in its path (letters, digits, _ and -): /tally");
    }
    this.#db = db;
    this.#retention = options.retention ?? DEFAULT_INFLUX_RETENTION;
    this.#rawMs = durationMs(this.#retention.raw);
    this.#now = options.now ?? Date.now;
    this.#base = new URL(`${url.protocol}//${url.host}/`);
    this.#auth =
      url.username === ""
        ? {}
        : {
            authorization: `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`,
          };
    const timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#lines = new InfluxLineWriter({ base: this.#base, db, rp: RAW_RP, headers: this.#auth, timeoutMs });
    this.#influx = new InfluxDB({
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port === "" ? (url.protocol === "https:" ? 443 : 8086) : Number(url.port),
      protocol: url.protocol === "https:" ? "https" : "http",
      database: db,
      ...(url.username !== "" && { username: decodeURIComponent(url.username) }),
      ...(url.password !== "" && { password: decodeURIComponent(url.password) }),
      // The forwarder retries with its own backoff; the client's retries would only hide how long a write took.
      pool: { maxRetries: 0, requestTimeout: timeoutMs },
      // Field types fixed here: `count` is an integer wherever it is written (the continuous query's
      // sum of integers is one too), so raw points, rollups and backfills never conflict in a shard.
      schema: [
        {
          measurement: MEASUREMENT,
          tags: [...SERIES_TAGS, "location", "zone", DETAIL_TAG],
          fields: {
            value: FieldType.FLOAT,
            min: FieldType.FLOAT,
            max: FieldType.FLOAT,
            sum: FieldType.FLOAT,
            count: FieldType.INTEGER,
            periodS: FieldType.INTEGER,
          },
          database: db,
        },
        {
          measurement: ROLLUP_MEASUREMENT,
          tags: [...SERIES_TAGS, "location", "zone"],
          fields: { min: FieldType.FLOAT, max: FieldType.FLOAT, sum: FieldType.FLOAT, count: FieldType.INTEGER },
          database: db,
        },
      ],
    });
  }

  /** The database, retention policies and continuous query; once, or again after a failure. */
  #setUp(): Promise<void> {
    this.#ready ??= this.#create().catch((error: unknown) => {
      this.#ready = undefined;
      throw unavailable("could not set up the InfluxDB database", error);
    });
    return this.#ready;
  }

  async #create(): Promise<void> {
    await this.#influx.createDatabase(this.#db);
    const policies: [string, string][] = [
      [RAW_RP, this.#retention.raw],
      [ROLLUP_RP, this.#retention.rollup],
    ];
    const existing = new Set((await this.#influx.showRetentionPolicies(this.#db)).map((p) => p.name));
    for (const [name, duration] of policies) {
      // An existing policy is kept as it is: an operator may have changed its duration on purpose.
      if (existing.has(name)) continue;
      await this.#influx.createRetentionPolicy(name, { database: this.#db, duration, replication: 1 });
    }
    const db = influxql.quoted(this.#db);
    // The answer lists every database's continuous queries, grouped by database: only ours count.
    const ours = (await this.#influx.query<{ name: string; query: string }>("SHOW CONTINUOUS QUERIES"))
      .groups()
      .filter((g) => g.name === this.#db)
      .flatMap((g) => g.rows);
    const existing1m = ours.find((r) => r.name === CQ_NAME);
    // One created before summaries would keep rolling up plain values and counting detail points.
    if (existing1m !== undefined && !CURRENT_CQ.test(existing1m.query)) {
      await this.#influx.dropContinuousQuery(CQ_NAME, this.#db);
    }
    if (existing1m === undefined || !CURRENT_CQ.test(existing1m.query)) {
      await this.#influx.createContinuousQuery(
        CQ_NAME,
        `SELECT ${ROLLUP_FIELDS}
         INTO ${db}.${influxql.quoted(ROLLUP_RP)}.${influxql.quoted(ROLLUP_MEASUREMENT)}
         FROM ${db}.${influxql.quoted(RAW_RP)}.${influxql.quoted(MEASUREMENT)} WHERE ${NOT_DETAIL}
         GROUP BY time(1m), *`,
        this.#db,
        `RESAMPLE EVERY 1m FOR ${RESAMPLE_FOR_MS / MINUTE_MS}m`,
      );
    }
  }

  write(points: readonly TelemetryPoint[]): Promise<WriteResult> {
    const nowMs = this.#now();
    // Made before anything is awaited, so the points are not held while the writes are in flight.
    const prepared = toLineChunks(points, {
      oldBeforeMs: nowMs - this.#rawMs + RAW_MARGIN_MS,
      backfillSinceMs: nowMs - RESAMPLE_FOR_MS + MINUTE_MS,
    });
    return this.#post(prepared);
  }

  async #post({ chunks, lineCount, old, rejected, backfill }: LineChunks): Promise<WriteResult> {
    if (lineCount + old.length === 0) return { written: 0, rejected };
    await this.#setUp();
    try {
      // Line protocol made here and posted as it is: the client's per-point serialisation cost about twice
      // InfluxDB's own write time. A few chunks in flight at once: InfluxDB parses one while the next arrives.
      for (let i = 0; i < chunks.length; i += PARALLEL_WRITES) {
        await Promise.all(chunks.slice(i, i + PARALLEL_WRITES).map((body) => this.#lines.write(body)));
      }
      // Too old for the raw retention (an edge back after a long time offline): InfluxDB would drop them,
      // so they go to the rollup as this batch's own 1-minute aggregates.
      const rollups = rollUpPoints(old, MINUTE_MS).map(
        (r): IPoint => ({
          measurement: ROLLUP_MEASUREMENT,
          tags: tagsOf(r),
          fields: { min: r.min, max: r.max, sum: r.sum, count: r.count },
          timestamp: new Date(r.startMs),
        }),
      );
      for (let i = 0; i < rollups.length; i += WRITE_CHUNK) {
        await this.#influx.writePoints(rollups.slice(i, i + WRITE_CHUNK), {
          retentionPolicy: ROLLUP_RP,
          precision: "ms",
        });
      }
      await this.#backfill(backfill);
    } catch (error) {
      throw unavailable("InfluxDB refused or did not answer a write", error);
    }
    return { written: lineCount + old.length, rejected };
  }

  /**
   * Points later than the continuous query's resample window (forwarded after an outage) are rolled up
   * here, from the raw points of their minutes: the same query the continuous query runs, so the result
   * is the same whoever computes it, and running it twice writes the same rollup twice.
   */
  async #backfill(range: BackfillRange): Promise<void> {
    const { fromMs, toMs } = range;
    if (fromMs >= toMs) return;
    const db = influxql.quoted(this.#db);
    await this.#influx.query(
      `SELECT ${ROLLUP_FIELDS}
       INTO ${db}.${influxql.quoted(ROLLUP_RP)}.${influxql.quoted(ROLLUP_MEASUREMENT)}
       FROM ${db}.${influxql.quoted(RAW_RP)}.${influxql.quoted(MEASUREMENT)}
       WHERE time >= ${fromMs}ms AND time < ${toMs}ms AND ${NOT_DETAIL} GROUP BY time(1m), *`,
      { database: this.#db },
    );
  }

  async query(query: TelemetryQuery): Promise<TelemetryResult> {
    await this.#setUp();
    const where = [`time >= ${Math.trunc(query.fromMs)}ms`, `time < ${Math.trunc(query.toMs)}ms`];
    const filters: [string, string | undefined][] = [
      ["siteId", query.siteId],
      ["deviceId", query.deviceId],
      ["metric", query.metric],
      ["zone", query.zone],
    ];
    for (const [tag, value] of filters) {
      if (value !== undefined) where.push(`${influxql.quoted(tag)} = ${stringLiteral(value)}`);
    }
    const db = influxql.quoted(this.#db);
    try {
      if (query.window === "raw") {
        const rows = await this.#influx.query<{
          value: number;
          min: number | null;
          max: number | null;
          count: number | null;
          periodS: number | null;
          siteId: string;
          deviceId: string;
          metric: string;
          unit: string | null;
          location: string | null;
          detail: string | null;
        }>(
          `SELECT "value", "min", "max", "count", "periodS", "siteId", "deviceId", "metric", "unit", "location", "detail"
           FROM ${db}.${influxql.quoted(RAW_RP)}.${influxql.quoted(MEASUREMENT)}
           WHERE ${where.join(" AND ")} ORDER BY time ASC LIMIT ${query.limit + 1}`,
          { database: this.#db },
        );
        const points = rows
          .map(
            (r): RawReading => ({
              siteId: r.siteId,
              deviceId: r.deviceId,
              metric: r.metric,
              unit: r.unit ?? "",
              ...(r.location !== null && r.location !== undefined && { location: r.location }),
              at: r.time.toISOString(),
              value: r.value,
              ...(isNumber(r.periodS) && {
                periodS: r.periodS,
                min: r.min ?? r.value,
                max: r.max ?? r.value,
                count: r.count ?? 1,
              }),
              ...(r.detail === "true" && { detail: true as const }),
            }),
          )
          .sort((a, b) => compareText(a.at, b.at) || compareSeries(a, b));
        return { window: "raw", points: points.slice(0, query.limit), truncated: points.length > query.limit };
      }
      // Within the raw retention the raw points answer exactly; older ranges come from the 1-minute rollup.
      const fromRollup = query.fromMs < this.#now() - this.#rawMs + RAW_MARGIN_MS;
      const select = fromRollup
        ? `min("min") AS "min", sum("sum") / sum("count") AS "mean", max("max") AS "max", sum("count") AS "count"
           FROM ${db}.${influxql.quoted(ROLLUP_RP)}.${influxql.quoted(ROLLUP_MEASUREMENT)}`
        : `min("min") AS "min", sum("sum") / sum("count") AS "mean", max("max") AS "max", sum("count") AS "count"
           FROM ${db}.${influxql.quoted(RAW_RP)}.${influxql.quoted(MEASUREMENT)}`;
      if (!fromRollup) where.push(NOT_DETAIL);
      const rows = await this.#influx.query<{
        min: number;
        mean: number;
        max: number;
        count: number;
        siteId: string;
        deviceId: string;
        metric: string;
        unit: string;
      }>(
        `SELECT ${select} WHERE ${where.join(" AND ")}
         GROUP BY time(${query.window}), ${SERIES_TAGS.map((t) => influxql.quoted(t)).join(", ")} fill(none)
         LIMIT ${query.limit + 1}`,
        { database: this.#db },
      );
      const buckets = rows
        .map(
          (r): WindowReading => ({
            siteId: r.siteId,
            deviceId: r.deviceId,
            metric: r.metric,
            unit: r.unit,
            start: r.time.toISOString(),
            min: r.min,
            mean: r.mean,
            max: r.max,
            count: r.count,
          }),
        )
        .sort((a, b) => compareText(a.start, b.start) || compareSeries(a, b));
      return { window: query.window, buckets: buckets.slice(0, query.limit), truncated: buckets.length > query.limit };
    } catch (error) {
      throw unavailable("InfluxDB refused or did not answer a query", error);
    }
  }

  async close(): Promise<void> {
    // The `influx` client keeps no connection open between requests; the line writer's kept-alive ones close.
    this.#lines.close();
  }
}

/** What a write makes of its points before it posts anything. */
interface LineChunks {
  /** Line protocol, `WRITE_CHUNK` lines a chunk. */
  chunks: string[];
  lineCount: number;
  /** Too old for the raw retention: rolled up instead. */
  old: TelemetryPoint[];
  rejected: RejectedPoint[];
  backfill: BackfillRange;
}

/**
 * The points as chunks of line protocol, made before the first request leaves. A chunk's lines are joined as
 * soon as it is full, so while the writes are in flight only the chunks' text lives, not thousands of line
 * strings (each a tree of concatenations) for the young generation's collections to copy.
 */
function toLineChunks(
  points: readonly TelemetryPoint[],
  cut: { oldBeforeMs: number; backfillSinceMs: number },
): LineChunks {
  const out: LineChunks = {
    chunks: [],
    lineCount: 0,
    old: [],
    rejected: [],
    backfill: new BackfillRange(cut.backfillSinceMs),
  };
  let lines: string[] = [];
  for (const point of points) {
    // Parsed once here: the check, the retention's cut, the backfill's range and the line all use it.
    const atMs = isoTimeMs(point.at);
    const problem = checkTelemetryPoint(point, atMs);
    if (problem !== undefined) out.rejected.push({ id: String(point.id), ...problem, point });
    else if (atMs < cut.oldBeforeMs) out.old.push(point);
    else {
      lines.push(telemetryLine(point, atMs));
      out.backfill.add(atMs);
      if (lines.length === WRITE_CHUNK) {
        out.chunks.push(lines.join("\n"));
        out.lineCount += lines.length;
        lines = [];
      }
    }
  }
  if (lines.length > 0) {
    out.chunks.push(lines.join("\n"));
    out.lineCount += lines.length;
  }
  return out;
}

/** The whole minutes around the points older than the continuous query's resample window (none: from ≥ to). */
class BackfillRange {
  fromMs = Number.POSITIVE_INFINITY;
  toMs = Number.NEGATIVE_INFINITY;
  readonly #sinceMs: number;

  /** Points from `sinceMs` on are the continuous query's. */
  constructor(sinceMs: number) {
    this.#sinceMs = sinceMs;
  }

  add(atMs: number): void {
    if (atMs >= this.#sinceMs) return;
    const start = bucketStart(atMs, MINUTE_MS);
    if (start < this.fromMs) this.fromMs = start;
    if (start + MINUTE_MS > this.toMs) this.toMs = start + MINUTE_MS;
  }
}

function tagsOf(p: {
  siteId: string;
  deviceId: string;
  metric: string;
  unit: string;
  location?: string | undefined;
  zone?: string | undefined;
}): Record<string, string> {
  // An empty tag value is no tag in InfluxDB: a unitless metric reads back its unit as "".
  return {
    siteId: p.siteId,
    deviceId: p.deviceId,
    metric: p.metric,
    ...(p.unit !== "" && { unit: p.unit }),
    ...(p.location !== undefined && { location: p.location }),
    ...(p.zone !== undefined && { zone: p.zone }),
  };
}

/**
 * An InfluxQL string literal. The client's `escape.stringLit` leaves a backslash as it is, and InfluxQL's
 * scanner reads `\b` as an unknown escape and fails the query: both the backslash and the quote are escaped.
 */
function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function isNumber(n: unknown): n is number {
  return typeof n === "number";
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareSeries(a: RawReading | WindowReading, b: RawReading | WindowReading): number {
  return (
    compareText(a.siteId, b.siteId) ||
    compareText(a.deviceId, b.deviceId) ||
    compareText(a.metric, b.metric) ||
    compareText(a.unit, b.unit)
  );
}

const DURATION = /^(\d+)([mhdw])$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function durationMs(duration: string): number {
  if (duration === "INF") return Number.POSITIVE_INFINITY;
  const match = DURATION.exec(duration);
  const unit = match?.[2] === undefined ? undefined : UNIT_MS[match[2]];
  if (match === null || unit === undefined) throw new Error(`retention ${duration} is not like 7d, 48h or INF`);
  return Number(match[1]) * unit;
}

function unavailable(what: string, error: unknown): TelemetryUnavailableError {
  if (error instanceof TelemetryUnavailableError) return error;
  // The message only: the client's errors hold its whole request and response, too much for a log line.
  return new TelemetryUnavailableError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
}
