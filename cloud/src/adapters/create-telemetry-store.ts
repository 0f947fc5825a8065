import { join } from "node:path";
import type { TelemetryStore } from "../telemetry/telemetry-store.js";
import { InfluxTelemetryStore } from "./influx-telemetry-store.js";
import { SqliteTelemetryStore } from "./sqlite-telemetry-store.js";

export type TelemetryStoreOptions = { influxUrl: string } | { dataDir: string };

/** The embedded telemetry store's file under a data directory: beside the ledger, never inside it. */
export function sqliteTelemetryFile(dataDir: string): string {
  return join(dataDir, "cloud", "telemetry.db");
}

/**
 * InfluxDB 1.x when a URL is given, else the embedded SQLite file. Opening
 * InfluxDB does not wait for it: its database is set up at the first write,
 * so a cloud starts (and commits) while InfluxDB is away.
 */
export function createTelemetryStore(options: TelemetryStoreOptions): TelemetryStore {
  return "influxUrl" in options
    ? new InfluxTelemetryStore({ url: options.influxUrl })
    : new SqliteTelemetryStore(sqliteTelemetryFile(options.dataDir));
}
