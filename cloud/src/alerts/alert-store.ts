import type { Alert, AlertEvent, AlertKind, AlertSeverity, AlertStatus, AlertTimelineEntry } from "./alert.js";
import type { AlertCause } from "./alert-cause.js";
import type { LifecycleRefusal } from "./alert-lifecycle.js";
import type { AlertPolicy } from "./alert-policy.js";
import type { EdgeContact } from "./cloud-rules.js";
import type { Silence, SilenceMatchers } from "./noise.js";

export interface AlertListQuery {
  status?: AlertStatus;
  siteId?: string;
  severity?: AlertSeverity;
  kind?: AlertKind;
  /** At most this many (capped at MAX_PAGE_LIMIT + 1); none: all (internal use). */
  limit?: number;
  /** Alerts raised after the alert with this id. */
  after?: string;
}

export type AlertAction = { ok: true; alert: Alert } | { ok: false; refusal: LifecycleRefusal | "ALERT_NOT_FOUND" };

/** Where alert events go, inside the transaction that made them (the notifications' outbox). */
export type AlertEventSink<Tx> = (tx: Tx, events: readonly AlertEvent[]) => Promise<void>;

export interface NewSilence {
  matchers: SilenceMatchers;
  exceptCritical: boolean;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** What the cloud's own rules see over time, for `sweep`. */
export interface SweepResult {
  /** Alerts the sweep changed (promoted, escalated, reminded), after the change. */
  changed: Alert[];
}

/**
 * Alerts behind a port: their lifecycle by people (acknowledge, resolve),
 * the timeline, silences, and the sweep that promotes alerts past their
 * grace, escalates and reminds. Causes from ingest are applied inside the
 * ledger's commit (same transaction); this port is everything else.
 */
export interface AlertStore {
  readonly policy: AlertPolicy;
  /** The policy in force from now on (the cloud sets it once at start). */
  usePolicy(policy: AlertPolicy): void;
  /** Alerts, most recently raised last; `pending` ones only when asked for by status. */
  list(query?: AlertListQuery): Promise<Alert[]>;
  get(id: string): Promise<{ alert: Alert; timeline: AlertTimelineEntry[] } | undefined>;
  acknowledge(id: string, by: string, note?: string): Promise<AlertAction>;
  resolve(id: string, by: string, note?: string): Promise<AlertAction>;
  silences(activeAt?: string): Promise<Silence[]>;
  addSilence(silence: NewSilence): Promise<Silence>;
  /** Ends a silence now; false when unknown or already over. */
  expireSilence(id: string, at: string): Promise<boolean>;
  /** Promotes pending alerts past their grace, escalates and reminds, as of `now`. */
  sweep(now: Date): Promise<SweepResult>;
  /**
   * The cloud heard from an edge now (any instance): what the EDGE_NOT_HEARD rule reads. Written at most
   * every few seconds per edge (the rule counts minutes), so ingest pays for it once in a while.
   */
  recordContact(edgeId: string, siteId: string, at: string): Promise<void>;
  edgeContacts(): Promise<EdgeContact[]>;
  /** Live (not resolved) alerts of one kind, by dedup key. */
  liveOfKind(kind: AlertKind): Promise<Map<string, Alert>>;
  /** The latest alert of each of these keys, whatever its status. */
  latestByKeys(keys: readonly string[]): Promise<Map<string, Alert>>;
  /** Live (not resolved) alerts counted by status and severity, for the metrics. */
  liveCounts(): Promise<{ status: AlertStatus; severity: AlertSeverity; count: number }[]>;
  /** Calls `listener` with alerts other cloud processes on the same database changed; returns the stop. */
  watchOthers(listener: (alerts: Alert[]) => void): Promise<() => Promise<void>>;
  /** Raises or clears causes the cloud sees itself (edge not heard, task overdue, notifier failing). */
  applyCauses(causes: readonly AlertCause[], now: Date): Promise<Alert[]>;
}
