import type { CorrectionTask, EdgeEvent, Movement } from "@tally/protocols";
import type { Alert, AlertStatus } from "../alerts/alert.js";

/** Which batch a commit comes from. */
export interface CommitMeta {
  edgeId: string;
  siteId: string;
  batchId: string;
  seq: number;
}

export interface CommitResult {
  /** Ids newly applied by this commit. */
  committed: string[];
  /** Ids already in the ledger with the same content (a resend). */
  duplicates: string[];
  /** Ids already in the ledger with different content: not applied. */
  conflicts: string[];
  /** Alerts this commit opened or changed, in order. */
  alerts: Alert[];
}

/** Stock of one SKU and lot at one location; `lot` is "" when none. */
export interface Position {
  sku: string;
  location: string;
  lot: string;
  qty: number;
}

export interface StockQuery {
  sku?: string;
  /** Matches a location code or any below it (`SITE/ZONE` matches `SITE/ZONE/BIN`). */
  locationPrefix?: string;
  lot?: string;
}

export interface MovementQuery {
  sku?: string;
  /** Movements from or to this exact location. */
  location?: string;
  /** At most this many (default 100, at most 1000). */
  limit?: number;
  /** Only movements committed after the movement with this id. */
  after?: string;
}

export interface AlertQuery {
  status?: AlertStatus;
}

export type TaskStatus = "open";

/** A correction task as the ledger keeps it. */
export type LedgerTask = CorrectionTask & { status: TaskStatus };

export type StoreKind = "sqlite" | "postgres";

/**
 * The ledger behind a port. `commit` is idempotent by event id and atomic:
 * events, movements, positions, tasks, telemetry and alerts of one batch are
 * written in one transaction, or none are.
 */
export interface LedgerStore {
  readonly kind: StoreKind;
  commit(meta: CommitMeta, events: readonly EdgeEvent[]): Promise<CommitResult>;
  /** Positions with qty ≠ 0, sorted by sku, location, lot. */
  stock(query?: StockQuery): Promise<Position[]>;
  /** Movements in commit order. */
  movements(query?: MovementQuery): Promise<Movement[]>;
  /** Alerts, most recently raised last. */
  alerts(query?: AlertQuery): Promise<Alert[]>;
  tasks(): Promise<LedgerTask[]>;
  close(): Promise<void>;
}

export const DEFAULT_MOVEMENT_LIMIT = 100;
export const MAX_MOVEMENT_LIMIT = 1000;
