import type { TelemetryWindow } from "./telemetry-store.js";

const WINDOW_MS: Record<Exclude<TelemetryWindow, "raw">, number> = {
  "1m": 60_000,
  "5m": 300_000,
  "1h": 3_600_000,
};

/** The width of a window's buckets, ms. */
export function windowMs(window: Exclude<TelemetryWindow, "raw">): number {
  return WINDOW_MS[window];
}

/**
 * The start of the bucket holding `atMs`: buckets are aligned to the epoch
 * (as InfluxDB's `GROUP BY time()` without an offset), so both stores put a
 * point in the same bucket. Floor, not truncation: points before 1970 too.
 */
export function bucketStart(atMs: number, widthMs: number): number {
  return Math.floor(atMs / widthMs) * widthMs;
}

/** The zone of a `SITE/ZONE/BIN` location; `undefined` without one. */
export function zoneOf(location: string | undefined): string | undefined {
  if (location === undefined) return undefined;
  const parts = location.split("/");
  return parts.length >= 2 && parts[1] !== "" ? parts[1] : undefined;
}
