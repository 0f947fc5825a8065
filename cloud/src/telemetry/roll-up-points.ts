import { pointAggregates } from "./point-aggregates.js";
import type { TelemetryPoint } from "./telemetry-store.js";
import { bucketStart, zoneOf } from "./telemetry-window.js";

/** The aggregate of one series over one bucket, as the 1-minute rollup keeps it. */
export interface Rollup {
  siteId: string;
  deviceId: string;
  metric: string;
  unit: string;
  location?: string | undefined;
  zone?: string | undefined;
  startMs: number;
  min: number;
  max: number;
  sum: number;
  count: number;
}

/**
 * `points` aggregated per series (site, device, metric, unit, location) and
 * bucket of `widthMs`: what a store writes for points too old for its raw
 * retention, so they still count in windowed queries. Points with the same id
 * count once; a summary counts its readings; detail points are skipped (their
 * period's summary counts them).
 */
export function rollUpPoints(points: readonly TelemetryPoint[], widthMs: number): Rollup[] {
  const seen = new Set<string>();
  const rollups = new Map<string, Rollup>();
  for (const p of points) {
    if (seen.has(p.id) || p.detail === true) continue;
    seen.add(p.id);
    const startMs = bucketStart(Date.parse(p.at), widthMs);
    const key = JSON.stringify([p.siteId, p.deviceId, p.metric, p.unit, p.location ?? null, startMs]);
    const r = rollups.get(key);
    const a = pointAggregates(p);
    if (r === undefined) {
      const zone = zoneOf(p.location);
      rollups.set(key, {
        siteId: p.siteId,
        deviceId: p.deviceId,
        metric: p.metric,
        unit: p.unit,
        ...(p.location !== undefined && { location: p.location }),
        ...(zone !== undefined && { zone }),
        startMs,
        ...a,
      });
    } else {
      r.min = Math.min(r.min, a.min);
      r.max = Math.max(r.max, a.max);
      r.sum += a.sum;
      r.count += a.count;
    }
  }
  return [...rollups.values()];
}
