import type { Rejection } from "@tally/protocols";

/** One reading as the telemetry store keeps it. */
export interface TelemetryPoint {
  /** The ledger's event id: writing a point twice keeps one. */
  id: string;
  siteId: string;
  deviceId: string;
  /** e.g. `temperature`, or `count:<sku>`. */
  metric: string;
  value: number;
  unit: string;
  /** `SITE/ZONE/BIN` where the device is, if bound to a location. */
  location?: string | undefined;
  /** When it was measured, ISO 8601; for a summary, the start of its period. */
  at: string;
  /** The point sums up a period of readings: `value` is their mean. Without it the point is one reading. */
  summary?: TelemetrySummary | undefined;
  /**
   * A full-rate reading sent around an excursion (the wire's `excursionWindow`): its period's summary
   * counts it already, so window aggregates skip it; raw queries return it.
   */
  detail?: boolean | undefined;
}

/** What a summary point sums up: `count` readings over `periodS` seconds, from `min` to `max`. */
export interface TelemetrySummary {
  periodS: number;
  min: number;
  max: number;
  count: number;
}

/**
 * `raw`: the points themselves; otherwise min/mean/max/count per bucket of that width, over the readings the
 * points stand for (a summary counts its `count` readings, detail points are skipped).
 */
export type TelemetryWindow = "raw" | "1m" | "5m" | "1h";

/** A checked query (`checkTelemetryQuery`): `from` < `to`, bounded. */
export interface TelemetryQuery {
  siteId?: string | undefined;
  deviceId?: string | undefined;
  metric?: string | undefined;
  /** The zone code, the middle part of a `SITE/ZONE/BIN` location. */
  zone?: string | undefined;
  /** Inclusive, ms since the epoch. */
  fromMs: number;
  /** Exclusive, ms since the epoch. */
  toMs: number;
  window: TelemetryWindow;
  /** At most this many points or buckets come back; more set `truncated`. */
  limit: number;
}

/** A series: one device's metric (in one unit). */
export interface TelemetrySeriesKey {
  siteId: string;
  deviceId: string;
  metric: string;
  unit: string;
}

/**
 * A stored point. A summary point also has `periodS`, `min`, `max` and `count` (its `value` is the mean);
 * a plain reading has none of them. `detail`: an excursion-window reading, left out of window aggregates.
 */
export interface RawReading extends TelemetrySeriesKey {
  location?: string | undefined;
  at: string;
  value: number;
  periodS?: number;
  min?: number;
  max?: number;
  count?: number;
  detail?: true;
}

export interface WindowReading extends TelemetrySeriesKey {
  /** The bucket's start, ISO 8601; it covers [start, start + window). */
  start: string;
  min: number;
  mean: number;
  max: number;
  count: number;
}

/** Ordered by time, then series. */
export type TelemetryResult =
  | { window: "raw"; points: RawReading[]; truncated: boolean }
  | { window: Exclude<TelemetryWindow, "raw">; buckets: WindowReading[]; truncated: boolean };

/** A point the store refused (it can never be written as it is), by its id, with the point itself. */
export interface RejectedPoint extends Rejection {
  id: string;
  /** What was refused, for the log that is the only place it is kept (a caller need not hold its points). */
  point?: TelemetryPoint | undefined;
}

export interface WriteResult {
  written: number;
  rejected: RejectedPoint[];
}

/**
 * Where telemetry is kept for time-range queries: the embedded SQLite file
 * by default, InfluxDB 1.x when configured. Every adapter passes the
 * contract suite `test/contract/telemetry-store-contract.ts`.
 */
export interface TelemetryStore {
  readonly kind: "sqlite" | "influxdb";
  /**
   * Writes `points` (any number: the adapter batches) and resolves once they
   * are durable. Points that can never be stored (`checkTelemetryPoint`) are
   * returned as rejected and the rest written; a store that is away rejects
   * the promise (the caller retries: writes are idempotent by point).
   */
  write(points: readonly TelemetryPoint[]): Promise<WriteResult>;
  query(query: TelemetryQuery): Promise<TelemetryResult>;
  close(): Promise<void>;
}
