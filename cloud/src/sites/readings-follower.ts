import type { LedgerStore } from "../ledger/ledger-store.js";
import type { DeviceReadings } from "./device-readings.js";

export interface ReadingsFollowerOptions {
  /** The metrics followed (device telemetry; `count:<sku>` rows are counts, not device readings). */
  metrics?: readonly string[];
  /** Rows read per query. */
  pageSize?: number;
  /** Pages read per catch-up at most, so one request never reads a long backlog whole; the next one goes on. */
  maxPages?: number;
}

/**
 * Keeps `DeviceReadings` up to date from the ledger's telemetry: each
 * catch-up reads only the rows committed since the last one (a cursor per
 * metric), whichever instance committed them. Concurrent callers share one
 * catch-up.
 */
export class ReadingsFollower {
  readonly #store: Pick<LedgerStore, "telemetry">;
  readonly #readings: DeviceReadings;
  readonly #metrics: readonly string[];
  readonly #pageSize: number;
  readonly #maxPages: number;
  readonly #cursors = new Map<string, string>();
  #running: Promise<void> | undefined;

  constructor(store: Pick<LedgerStore, "telemetry">, readings: DeviceReadings, options: ReadingsFollowerOptions = {}) {
    this.#store = store;
    this.#readings = readings;
    this.#metrics = options.metrics ?? ["temperature"];
    this.#pageSize = options.pageSize ?? 1000;
    this.#maxPages = options.maxPages ?? 50;
  }

  /** Reads what was committed since the last catch-up (up to `maxPages` pages per metric). */
  catchUp(): Promise<void> {
    this.#running ??= this.#read().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #read(): Promise<void> {
    for (const metric of this.#metrics) {
      for (let page = 0; page < this.#maxPages; page++) {
        const after = this.#cursors.get(metric);
        const rows = await this.#store.telemetry({
          metric,
          ...(after !== undefined && { after }),
          limit: this.#pageSize,
        });
        this.#readings.add(rows);
        const last = rows.at(-1);
        if (last !== undefined) this.#cursors.set(metric, last.id);
        if (rows.length < this.#pageSize) break;
      }
    }
  }
}
