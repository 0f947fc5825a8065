import type {
  EdgeEvent,
  ExpectedReceipt,
  ExpectedShipment,
  HistoryEntry,
  LedgerItem,
  LedgerLocation,
  Movement,
  SerialRecord,
  SiteLayout,
} from "@tally/protocols";
import type { Alert } from "../alerts/alert.js";
import type { AlertListQuery, AlertStore } from "../alerts/alert-store.js";
import type { SecurityStore } from "../auth/security-store.js";
import type { ExcursionStore } from "../excursions/excursion-store.js";
import type { TaskStore } from "../tasks/task-store.js";
import type { CountPolicy } from "./count-outcome.js";
import type { HandoffReadings } from "./handoff-body.js";
import type { HandoffRow } from "./telemetry-handoff.js";

export type { LedgerTask, TaskChange, TaskQuery, TaskStore } from "../tasks/task-store.js";

import type { NotificationStore } from "../notifications/notification-store.js";

/** Which batch a commit comes from. */
export interface CommitMeta {
  edgeId: string;
  siteId: string;
  batchId: string;
  seq: number;
  /** The edge process that sent it (a new one at each start); absent for edges that do not say. */
  instanceId?: string | undefined;
}

/** One batch of one edge process: what `BatchOrder` asks the ledger about. */
export interface SentBatch {
  edgeId: string;
  instanceId: string;
  seq: number;
}

export interface CommitResult {
  /** Ids newly recorded by this commit (held movements included: they are recorded, not lost). */
  committed: string[];
  /** Ids already in the ledger with the same content (a resend). */
  duplicates: string[];
  /** Ids already in the ledger with different content: not applied. */
  conflicts: string[];
  /** Alerts this commit opened or changed, in order. */
  alerts: Alert[];
  /**
   * Movements recorded but not applied because they would have made stock
   * of an item with `negativeStock: "refuse"` negative; each has a task.
   * Absent when none.
   */
  held?: string[];
}

/** Stock of one SKU and lot at one location; `lot` is "" when none. */
export interface Position {
  sku: string;
  location: string;
  lot: string;
  qty: number;
}

export interface StockQuery {
  /** Positions at this site's locations (`SITE/…`). */
  siteId?: string;
  sku?: string;
  /** Matches a location code or any below it (`SITE/ZONE` matches `SITE/ZONE/BIN`). */
  locationPrefix?: string;
  /** The zone segment of the location code (`SITE/<zone>/BIN`). */
  zone?: string;
  lot?: string;
  /** At most this many positions (capped at MAX_PAGE_LIMIT + 1); none: every position (internal use only, e.g. KPIs). */
  limit?: number;
  /** Positions after this one in (sku, location, lot) order: the last position of the previous page. */
  after?: { sku: string; location: string; lot: string };
}

/** Units over a whole stock filter, ignoring paging. */
export interface StockTotals {
  totalQty: number;
  /** Positions with qty ≠ 0 the filter matches. */
  positions: number;
  /** Units per SKU, for the SKUs asked for only (so the answer stays bounded). */
  bySku: { sku: string; qty: number }[];
}

export interface MovementQuery {
  siteId?: string;
  sku?: string;
  /** Movements from or to this exact location. */
  location?: string;
  movementType?: Movement["movementType"];
  epc?: string;
  /** At most this many (default 100, at most 1000). */
  limit?: number;
  /** Only movements committed after the movement with this id. */
  after?: string;
}

export interface HistoryQuery {
  sku: string;
  locationPrefix?: string;
  lot?: string;
  /** At most this many entries, the latest ones (default 100, at most 1000); balances count every earlier one. */
  limit?: number;
}

/** Alerts by status, site, severity and kind, a page at a time. */
export type AlertQuery = AlertListQuery;

/** A page of a list ordered by a text key (items by SKU, locations by code, expected documents by id). */
export interface PageQuery {
  /** At most this many (capped at MAX_PAGE_LIMIT + 1); none: all (internal use). */
  limit?: number;
  /** Entries whose key sorts after this one. */
  after?: string;
}

/** What a count measured: `count:<sku>` telemetry at a location. */
export interface CountRecord {
  sku: string;
  location: string;
  counted: number;
  occurredAt: string;
  /** The ledger's balance of the SKU at that location at `occurredAt`. */
  recorded: number;
}

/** An event refused because its id was already in the ledger with other content. */
export interface ConflictRecord {
  eventId: string;
  edgeId: string;
  batchId: string;
  /** Content hash of what the ledger holds under this id. */
  storedHash: string;
  /** Content hash of the refused event. */
  hash: string;
  /** The refused event as sent. */
  event: unknown;
  receivedAt: string;
}

export type ExpectedKind = "receipt" | "shipment";

export interface ExpectedQuery extends PageQuery {
  /** The document with this id only. */
  id?: string;
  siteId?: string;
  status?: "open" | "closed";
}

/** Result of importing a site file: counts of what was written. */
export interface SiteImport {
  zones: number;
  locations: number;
  items: number;
}

export type StoreKind = "sqlite" | "postgres";

/**
 * The ledger behind a port. `commit` is idempotent by event id and atomic:
 * events, movements, positions, serials, tasks, telemetry and alerts of one
 * batch are written in one transaction, or none are. Movements and events
 * are append-only (the schema refuses UPDATE and DELETE).
 */
export interface LedgerStore {
  readonly kind: StoreKind;
  /** API tokens and the audit log, in the same database. */
  readonly security: SecurityStore;
  /** Alerts: lifecycle by people, timeline, silences, the sweep (same database; causes are applied in `commit`). */
  readonly alerting: AlertStore;
  /** Webhooks, the notification outbox and the delivery log, in the same database. */
  readonly notifications: NotificationStore;
  /**
   * Commits `events` in one transaction, with `readings` (a batch's readings sent as columns, checked by the
   * ingest) handed off in it as one row of their own.
   */
  commit(meta: CommitMeta, events: readonly EdgeEvent[], readings?: HandoffReadings): Promise<CommitResult>;
  /**
   * Whether this edge process's batch committed, through any cloud instance on this ledger: every `commit`
   * whose meta names an `instanceId` leaves a row that says so (one indexed lookup).
   */
  batchCommitted(batch: SentBatch): Promise<boolean>;
  /** Positions with qty ≠ 0, sorted by sku, location, lot. */
  stock(query?: StockQuery): Promise<Position[]>;
  /** Totals over every position `query` matches (its paging ignored), with units per SKU for `skus`. */
  stockTotals(query: StockQuery, skus: readonly string[]): Promise<StockTotals>;
  /** Movements in commit order. */
  movements(query?: MovementQuery): Promise<Movement[]>;
  /** One movement by id. */
  movement(id: string): Promise<Movement | undefined>;
  /** When the cloud committed each of these movements (ISO 8601), by id; unknown ids are left out. */
  commitTimes(ids: readonly string[]): Promise<Map<string, string>>;
  /** A SKU's legs ordered by occurredAt (then commit order), with running balances. */
  history(query: HistoryQuery): Promise<HistoryEntry[]>;
  serial(epc: string): Promise<SerialRecord | undefined>;
  /**
   * Posts a new movement reversing `id` (an ADJUSTMENT with from and to
   * swapped, same SKU, lot and qty). Idempotent: the reversal's id derives
   * from `id`. Undefined when `id` is unknown.
   */
  reverseMovement(
    id: string,
    by: string,
  ): Promise<{ reversal: Movement; created: boolean; alerts: Alert[] } | undefined>;

  /** Refused reuses of event ids (same id, other content), the latest `limit`, oldest first. */
  conflicts(limit: number): Promise<ConflictRecord[]>;

  /** Alerts, most recently raised last. */
  alerts(query?: AlertQuery): Promise<Alert[]>;

  /** Correction tasks: reads and lifecycle (they are created by `commit`), in the same database. */
  readonly tasks: TaskStore;
  /** Temperature excursion records and the ledger reads their stock at risk needs, in the same database. */
  readonly excursions: ExcursionStore;

  /** Items by SKU. */
  items(query?: PageQuery): Promise<LedgerItem[]>;
  item(sku: string): Promise<LedgerItem | undefined>;
  /** Creates or replaces an item (and its GTINs). */
  putItem(item: LedgerItem): Promise<void>;
  /** The SKU of a GTIN in the item master. */
  skuOfGtin(gtin: string): Promise<string | undefined>;
  /** Locations by code; `after` is a code. */
  locations(query?: { siteId?: string; zone?: string } & PageQuery): Promise<LedgerLocation[]>;
  /** Upserts a site file's zones, locations and items (items replace those with the same SKU). */
  importSite(layout: SiteLayout): Promise<SiteImport>;

  /** Creates an expected receipt/shipment; `false` when one with this id and the same content exists. */
  putExpected(kind: "receipt", value: ExpectedReceipt): Promise<PutResult>;
  putExpected(kind: "shipment", value: ExpectedShipment): Promise<PutResult>;
  /** Expected documents in creation order (`after`: the id of the last one read). */
  expectedReceipts(query?: ExpectedQuery): Promise<ExpectedReceipt[]>;
  expectedShipments(query?: ExpectedQuery): Promise<ExpectedShipment[]>;
  /** open → closed; `undefined` when unknown. */
  closeExpected(kind: ExpectedKind, id: string): Promise<"closed" | "already-closed" | undefined>;

  /** Recorded counts (`count:<sku>` telemetry with a location, kept by the ledger), latest last, at most `limit`. */
  counts(limit: number): Promise<CountRecord[]>;
  /** Seconds from each serial's RECEIPT to its first later PUTAWAY. */
  dockToStockSeconds(limit: number): Promise<number[]>;
  /**
   * Committed telemetry not yet in the telemetry store (the hand-off): whole rows, one per committed batch, oldest
   * commit first, after the row `afterSeq` (from the start otherwise), up to `maxPoints` readings in all but at
   * least one row. The ledger keeps telemetry only until the forwarder confirms it (`forwardedTelemetry`);
   * counts are kept (`counts`).
   */
  pendingTelemetry(maxPoints: number, afterSeq?: number): Promise<HandoffRow[]>;
  /** The telemetry store has these rows' readings: exactly these rows leave the hand-off. */
  forwardedTelemetry(seqs: readonly number[]): Promise<void>;
  /**
   * Drops the oldest readings beyond `keepPoints` (the telemetry store away too long): whole rows, and the head
   * of the row the bound cuts; how many readings it dropped.
   */
  shedTelemetry(keepPoints: number): Promise<number>;

  /**
   * How far a cycle count may correct the ledger by itself: a difference of
   * at most `autoCorrectUnits` becomes a COUNT movement, a larger one a
   * COUNT_MISMATCH task. Until called, every difference is a task.
   */
  useCountPolicy(policy: CountPolicy): void;
  close(): Promise<void>;
}

export type PutResult = "created" | "unchanged" | "conflict";

export const DEFAULT_MOVEMENT_LIMIT = 100;
export const MAX_MOVEMENT_LIMIT = 1000;
/** The default and the largest page of every list route. */
export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

/**
 * How many rows a store reads for a page: at least 1, at most one more than
 * the largest page (a route asks for one more than it answers, to learn
 * whether a next page exists without counting).
 */
export function pageLimit(limit: number): number {
  return Math.max(1, Math.min(Math.trunc(limit), MAX_PAGE_LIMIT + 1));
}
