import type { LedgerStoreOptions } from "../adapters/create-ledger-store.js";
import type { TelemetryStoreOptions } from "../adapters/create-telemetry-store.js";

/** What the forwarder's thread is started with: where the ledger and the telemetry store are, and its bound. */
export interface ForwarderThreadData {
  ledger: { dataDir: string } | { databaseUrl: string };
  telemetry: TelemetryStoreOptions;
  maxPending?: number | undefined;
  /** The cloud's log level: the thread logs as the cloud would, on the same output. */
  logLevel: string;
}

/** The cloud → the thread. */
export type ToForwarderThread = { type: "nudge" } | { type: "close" };

/** The thread → the cloud: its observer's calls, and when it is running or has stopped. */
export type FromForwarderThread =
  | { type: "started" }
  | { type: "forwarded"; points: number }
  | { type: "rejected"; code: string }
  | { type: "failed" }
  | { type: "shed"; points: number }
  | { type: "closed" };

export type { LedgerStoreOptions };
