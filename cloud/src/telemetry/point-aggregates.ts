import type { TelemetryPoint } from "./telemetry-store.js";

/** What a stored point adds to a window: its readings' min, max, count and sum. */
export interface PointAggregates {
  min: number;
  max: number;
  count: number;
  sum: number;
}

/**
 * The aggregates every stored point carries, so that a window is
 * min(min), max(max), sum(sum) / sum(count), sum(count) whatever mix of
 * plain readings and summaries it holds: a reading is one of itself, a
 * summary its own figures (sum = mean × count).
 */
export function pointAggregates(point: TelemetryPoint): PointAggregates {
  const s = point.summary;
  if (s === undefined) return { min: point.value, max: point.value, count: 1, sum: point.value };
  return { min: s.min, max: s.max, count: s.count, sum: point.value * s.count };
}
