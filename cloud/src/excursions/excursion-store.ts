import type { Alert } from "../alerts/alert.js";
import type { ExcursionFact } from "./excursion-from-condition.js";
import type { ExcursionRecord } from "./excursion-record.js";
import type { ZoneMovement } from "./stock-at-risk.js";

/** Which excursions a page shows: every filter given must hold. */
export interface ExcursionQuery {
  siteId?: string;
  zone?: string;
  deviceId?: string;
  status?: "open" | "closed";
  /** Excursions that started at or after this instant (ISO 8601). */
  from?: string;
  /** Excursions that started before this instant (ISO 8601). */
  to?: string;
  /** At most this many (capped at MAX_PAGE_LIMIT + 1); none: all (internal use). */
  limit?: number;
  /** Excursions recorded after the one with this id. */
  after?: string;
}

/** What `record` did: the record as stored after it, and whether it changed. */
export interface RecordedExcursion {
  record: ExcursionRecord;
  changed: boolean;
}

/** What the cloud does on its own about excursions (set once at start). */
export interface ExcursionPolicy {
  /** Hold the stock at risk (one QUARANTINE task per lot) when an excursion closes (`TALLY_HOLD_STOCK_AT_RISK`). */
  holdOnClose: boolean;
}

/**
 * Excursion records behind a port, on the ledger's database. `record` is
 * idempotent and order-free: the same fact twice, or a clear before its
 * raise, ends as the one record `mergeExcursion` makes.
 */
export interface ExcursionStore {
  readonly policy: ExcursionPolicy;
  /** The policy in force from now on; default: no automatic hold. */
  usePolicy(policy: ExcursionPolicy): void;
  /** Applies what a condition said, in one transaction; undefined: a clear with no open record to close. */
  record(fact: ExcursionFact): Promise<RecordedExcursion | undefined>;
  get(id: string): Promise<ExcursionRecord | undefined>;
  /** Excursions in the order they were first recorded. */
  list(query?: ExcursionQuery): Promise<ExcursionRecord[]>;
  /**
   * Every movement of the site from or to a location of the zone that
   * occurred (site time) at or before `until`, in commit order.
   */
  zoneMovements(siteId: string, zone: string, until: string): Promise<ZoneMovement[]>;
  /** Rewrites the message of an alert (its stock at risk changed); the alert after, undefined when unknown or unchanged. */
  setAlertMessage(alertId: string, message: string): Promise<Alert | undefined>;
}
