import type { RawReading } from "../telemetry/telemetry-store.js";

/** One measurement kept for the console: when (device time, ISO 8601) and the value in the reading's unit. */
export interface ReadingPoint {
  at: string;
  value: number;
}

/** A device's latest reading of one metric and its recent points, oldest first. */
export interface DeviceSeries {
  siteId: string;
  deviceId: string;
  metric: string;
  unit: string;
  location?: string | undefined;
  latest: ReadingPoint;
  points: ReadingPoint[];
}

export interface DeviceReadingsLimits {
  /** Points kept per device and metric (the chart's window). */
  pointsPerSeries: number;
  /** Series kept in all; past it the one updated longest ago is forgotten. */
  maxSeries: number;
}

export const DEFAULT_READINGS_LIMITS: DeviceReadingsLimits = { pointsPerSeries: 360, maxSeries: 10_000 };

/**
 * The latest readings per (site, device, metric), with a bounded window of
 * points each, folded from the telemetry store's points. Pure and in
 * memory; bounded by `limits` however long it runs. A row that arrives
 * late (older than the latest) joins the window in time order but does
 * not replace the latest.
 */
export class DeviceReadings {
  readonly #limits: DeviceReadingsLimits;
  /** Insertion order = least recently updated first (a Map keeps it; updated series move to the end). */
  readonly #series = new Map<string, DeviceSeries>();

  constructor(limits: DeviceReadingsLimits = DEFAULT_READINGS_LIMITS) {
    this.#limits = limits;
  }

  /** Folds points from the telemetry store in; a point of a series at a time it already has replaces it. */
  add(rows: readonly RawReading[]): void {
    for (const row of rows) this.#addOne(row);
  }

  #addOne(row: RawReading): void {
    const key = `${row.siteId}\u0000${row.deviceId}\u0000${row.metric}`;
    const point: ReadingPoint = { at: row.at, value: row.value };
    const found = this.#series.get(key);
    if (found === undefined) {
      if (this.#series.size >= this.#limits.maxSeries) {
        const oldest = this.#series.keys().next();
        if (oldest.done !== true) this.#series.delete(oldest.value);
      }
      this.#series.set(key, {
        siteId: row.siteId,
        deviceId: row.deviceId,
        metric: row.metric,
        unit: row.unit,
        location: row.location,
        latest: point,
        points: [point],
      });
      return;
    }
    this.#series.delete(key);
    this.#series.set(key, found);
    // Read again (the follower's queries overlap): the same time is the same point.
    const atMs = Date.parse(point.at);
    const same = found.points.findIndex((p) => Date.parse(p.at) === atMs);
    if (same >= 0) {
      found.points[same] = point;
      if (Date.parse(found.latest.at) === atMs) found.latest = point;
      return;
    }
    if (Date.parse(point.at) >= Date.parse(found.latest.at)) {
      found.latest = point;
      found.unit = row.unit;
      if (row.location !== undefined) found.location = row.location;
      found.points.push(point);
    } else {
      // A late row: keep the window in time order.
      const index = found.points.findIndex((p) => Date.parse(p.at) > Date.parse(point.at));
      found.points.splice(index < 0 ? found.points.length : index, 0, point);
    }
    if (found.points.length > this.#limits.pointsPerSeries) {
      found.points.splice(0, found.points.length - this.#limits.pointsPerSeries);
    }
  }

  /** The series of one site, by device then metric. */
  ofSite(siteId: string): DeviceSeries[] {
    return [...this.#series.values()]
      .filter((s) => s.siteId === siteId)
      .sort((a, b) => compare(a.deviceId, b.deviceId) || compare(a.metric, b.metric));
  }

  /** One device's series of one metric. */
  series(siteId: string, deviceId: string, metric: string): DeviceSeries | undefined {
    return this.#series.get(`${siteId}\u0000${deviceId}\u0000${metric}`);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
