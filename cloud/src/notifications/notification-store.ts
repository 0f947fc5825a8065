import type { AlertEvent } from "../alerts/alert.js";
import type { StoredOutboxEvent } from "./outbox-event.js";
import type { Webhook, WebhookFilters, WebhookFormat, WebhookWithSecret } from "./webhook.js";

export interface NewWebhook {
  id: string;
  name: string;
  url: string;
  secret: string;
  format: WebhookFormat;
  filters: WebhookFilters;
  createdBy: string;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

/** An alert event a delivery tells of, as the delivery log shows it. */
export interface DeliveredEvent {
  event: AlertEvent["event"];
  at: string;
  alertId: string;
  severity: string;
}

/** One try at sending a delivery. */
export interface DeliveryAttempt {
  /** 1 for the first try. */
  attempt: number;
  at: string;
  /** The notifier (cloud process) that made it. */
  sentBy: string;
  /** The receiver's HTTP status, when it answered. */
  statusCode?: number;
  /** Why it failed (`TALLY_ERR_WEBHOOK_*: …`); absent when it succeeded. */
  error?: string;
  durationMs: number;
}

/** One message to one webhook, with the log of its attempts. */
export interface Delivery {
  id: string;
  webhookId: string;
  siteId: string;
  kind: string;
  events: DeliveredEvent[];
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  /** When it is next tried (pending deliveries). */
  nextAttemptAt?: string;
  lastError?: string;
  deliveredAt?: string;
  attemptLog: DeliveryAttempt[];
}

/** A message the planner made from due outbox events, for one webhook. */
export interface PlannedDelivery {
  id: string;
  webhookId: string;
  siteId: string;
  kind: string;
  events: DeliveredEvent[];
  /** The exact text that is signed and sent, every attempt. */
  body: string;
}

/** What the planner decides: the deliveries to create, and the outbox events they (or no webhook) took. */
export interface DeliveryPlan {
  deliveries: PlannedDelivery[];
  /** Outbox rows to remove (their seq), the malformed ones included. */
  consumed: number[];
  /** Rows that held no alert event (removed, and reported by the caller). */
  malformed: number[];
}

/** A delivery a notifier holds the lease of. */
export interface ClaimedDelivery {
  id: string;
  webhook: WebhookWithSecret;
  body: string;
  /** Attempts made before this one. */
  attempts: number;
}

export interface AttemptRecord {
  deliveryId: string;
  /** The notifier that claimed it: a result from one whose lease was taken over does not overwrite the state. */
  owner: string;
  /** The attempt; it is recorded as sent by `owner`. */
  attempt: Omit<DeliveryAttempt, "sentBy">;
  /** When to try again; absent when the attempt succeeded. */
  nextAttemptAt?: string;
}

export interface DeliveryQuery {
  webhookId?: string;
  status?: DeliveryStatus;
  /** Deliveries after this one (its id), in creation order. */
  after?: string;
  limit: number;
}

/**
 * Webhooks, the notification outbox and the delivery log, in the ledger's
 * database: every cloud instance on one PostgreSQL shares them, and what is
 * pending survives a restart.
 */
export interface NotificationStore {
  createWebhook(webhook: NewWebhook): Promise<Webhook>;
  /** Active webhooks in creation order; `after` is the id of the last one read. */
  webhooks(query?: { limit?: number; after?: string }): Promise<Webhook[]>;
  webhook(id: string): Promise<Webhook | undefined>;
  /**
   * Deletes (disables) a webhook: it gets no new deliveries and its pending
   * ones are marked failed; its log stays. False when unknown or already deleted.
   */
  deleteWebhook(id: string, by: string): Promise<boolean>;
  /** Writes alert events to the outbox in a transaction of its own (the alert core uses `enqueueAlertEvents` in its own). */
  enqueue(events: readonly AlertEvent[]): Promise<void>;
  /**
   * Turns pending outbox events into deliveries: `plan` gets the oldest
   * pending events and the active webhooks, and what it returns is written
   * (deliveries created, consumed events removed) in one transaction, which
   * one process at a time runs.
   */
  createDeliveries(
    plan: (pending: readonly StoredOutboxEvent[], webhooks: readonly WebhookWithSecret[]) => DeliveryPlan,
    nowIso: string,
  ): Promise<{ created: number; malformed: number[] }>;
  /**
   * Leases up to `limit` pending deliveries due at `nowIso` to `owner` until
   * `leaseUntilIso`. Two processes never hold one delivery at once: a
   * leased delivery is skipped until its lease runs out.
   */
  claimDue(query: { owner: string; nowIso: string; leaseUntilIso: string; limit: number }): Promise<ClaimedDelivery[]>;
  /**
   * Records an attempt and its outcome, and the webhook's failing state.
   * Returns the webhook when this success ends a failure that was reported
   * (`takeFailing`), so the caller can tell it recovered.
   */
  recordAttempt(record: AttemptRecord): Promise<{ recovered?: Webhook }>;
  /**
   * Webhooks failing since `sinceBeforeIso` or earlier, not yet reported:
   * each is returned once (marked reported), whichever process asks first.
   */
  takeFailing(nowIso: string, sinceBeforeIso: string): Promise<{ webhook: Webhook; since: string }[]>;
  /** The delivery log in creation order, each with its attempts. */
  deliveries(query: DeliveryQuery): Promise<Delivery[]>;
}
