import { MAX_TELEMETRY_POINTS } from "./check-telemetry-query.js";
import { addZoneMinutes, DAY_MS, type ZoneMinutes } from "./mkt-days.js";
import type { TelemetryStore, WindowReading } from "./telemetry-store.js";

/** What to read: one zone's temperature sensors over [fromMs, toMs). */
export interface ZoneRange {
  siteId: string;
  zone: string;
  fromMs: number;
  toMs: number;
}

/**
 * A zone's temperature per minute over a range, from the store's 1-minute
 * windows (which leave out excursion-window readings, already counted in
 * their summaries). Read a UTC day at a time so one answer stays under the
 * store's point limit; a day with so many sensors that it does not is read
 * again sensor by sensor, so MKT never rests on a truncated answer.
 */
export async function readZoneMinutes(store: TelemetryStore, range: ZoneRange): Promise<ZoneMinutes> {
  const minutes: ZoneMinutes = new Map();
  const base = { siteId: range.siteId, zone: range.zone, metric: "temperature" };
  for (let from = range.fromMs; from < range.toMs; from = Math.min(range.toMs, from + DAY_MS)) {
    const to = Math.min(range.toMs, from + DAY_MS);
    const day = await store.query({ ...base, fromMs: from, toMs: to, window: "1m", limit: MAX_TELEMETRY_POINTS });
    if (day.window === "raw") continue;
    if (!day.truncated) {
      addZoneMinutes(minutes, day.buckets);
      continue;
    }
    // An hour's bucket per sensor names every sensor of the day in at most 24 × sensors rows.
    const hours = await store.query({ ...base, fromMs: from, toMs: to, window: "1h", limit: MAX_TELEMETRY_POINTS });
    const devices = new Set(hours.window === "raw" ? [] : hours.buckets.map((b) => b.deviceId));
    for (const deviceId of devices) {
      const one = await store.query({ ...base, deviceId, fromMs: from, toMs: to, window: "1m", limit: 1_440 + 1 });
      if (one.window !== "raw") addZoneMinutes(minutes, one.buckets satisfies WindowReading[]);
    }
  }
  return minutes;
}
