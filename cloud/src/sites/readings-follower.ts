import type { TelemetryStore } from "../telemetry/telemetry-store.js";
import type { DeviceReadings } from "./device-readings.js";

export interface ReadingsFollowerOptions {
  /** The metrics followed (device telemetry; `count:<sku>` points are counts, not device readings). */
  metrics?: readonly string[];
  /** Points read per query. */
  pageSize?: number;
  /** Pages read per catch-up at most, so one request never reads a long backlog whole; the next one goes on. */
  maxPages?: number;
  /** How far back the first catch-up reads, ms (default 6 h: the console's window of points). */
  lookbackMs?: number;
  /**
   * Each catch-up reads again this far behind the latest point it saw, ms (default 10 min): points that reach
   * the telemetry store a little late (forwarded after the later ones) still show. Points later than that
   * (an edge back from hours offline) are in the telemetry store but not in the console's recent window.
   */
  overlapMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** Device clocks ahead of the cloud's by up to this much still show. */
const AHEAD_MS = 3_600_000;

/**
 * Keeps `DeviceReadings` up to date from the telemetry store: each catch-up
 * reads, per metric, the points from a little before the latest one it saw
 * (`overlapMs`), whichever instance forwarded them; a point read twice
 * replaces itself. Concurrent callers share one catch-up.
 */
export class ReadingsFollower {
  readonly #store: Pick<TelemetryStore, "query">;
  readonly #readings: DeviceReadings;
  readonly #metrics: readonly string[];
  readonly #pageSize: number;
  readonly #maxPages: number;
  readonly #lookbackMs: number;
  readonly #overlapMs: number;
  readonly #now: () => number;
  /** Per metric, the time of the latest point seen, ms. */
  readonly #latest = new Map<string, number>();
  #running: Promise<void> | undefined;

  constructor(store: Pick<TelemetryStore, "query">, readings: DeviceReadings, options: ReadingsFollowerOptions = {}) {
    this.#store = store;
    this.#readings = readings;
    this.#metrics = options.metrics ?? ["temperature"];
    this.#pageSize = options.pageSize ?? 1000;
    this.#maxPages = options.maxPages ?? 50;
    this.#lookbackMs = options.lookbackMs ?? 6 * 3_600_000;
    this.#overlapMs = options.overlapMs ?? 600_000;
    this.#now = options.now ?? Date.now;
  }

  /** Reads what reached the telemetry store since the last catch-up (up to `maxPages` pages per metric). */
  catchUp(): Promise<void> {
    this.#running ??= this.#read().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #read(): Promise<void> {
    const nowMs = this.#now();
    for (const metric of this.#metrics) {
      const seen = this.#latest.get(metric);
      let fromMs = Math.max(nowMs - this.#lookbackMs, seen === undefined ? 0 : seen - this.#overlapMs);
      for (let page = 0; page < this.#maxPages; page++) {
        const result = await this.#store.query({
          metric,
          fromMs,
          toMs: nowMs + AHEAD_MS,
          window: "raw",
          limit: this.#pageSize,
        });
        if (result.window !== "raw") break;
        this.#readings.add(result.points);
        const last = result.points.at(-1);
        if (last !== undefined) {
          const lastMs = Date.parse(last.at);
          this.#latest.set(metric, Math.max(this.#latest.get(metric) ?? lastMs, lastMs));
          // The next page starts at the last point's time: points sharing it are read again and replace themselves.
          if (!result.truncated || lastMs <= fromMs) break;
          fromMs = lastMs;
        } else {
          break;
        }
      }
    }
  }
}
