import { ConditionType } from "@tally/protocols";
import { z } from "zod";

/** Worst first: `critical` wakes somebody, `warning` waits for the next look at the console. */
export const AlertSeverity = z.enum(["critical", "major", "minor", "warning"]);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

/**
 * - `pending`: raised, waiting out its kind's grace period (a negative stock a receipt may fix a second later);
 *   not shown by default, nobody is told; dropped if its cause clears first.
 * - `open`: raised, nobody has looked yet.
 * - `acknowledged`: somebody owns it; its cause may still be there.
 * - `cleared`: the cause went away before anybody looked; it still waits for an acknowledgement.
 * - `resolved`: over (acknowledged and cleared, or closed by a person).
 */
export const AlertStatus = z.enum(["pending", "open", "acknowledged", "cleared", "resolved"]);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** Alerts the ledger raises itself, beside those from edge conditions. */
export const StockAlertKind = z.enum(["LOW_STOCK", "NEGATIVE_STOCK"]);
export type StockAlertKind = z.infer<typeof StockAlertKind>;

/** Alerts the cloud raises from what it sees over time (timers, not events). */
export const CloudAlertKind = z.enum(["TASK_OVERDUE", "EDGE_NOT_HEARD", "DEAD_LETTER_RATE", "NOTIFIER_FAILING"]);
export type CloudAlertKind = z.infer<typeof CloudAlertKind>;

export const AlertKind = z.union([ConditionType, StockAlertKind, CloudAlertKind]);
export type AlertKind = z.infer<typeof AlertKind>;

/** What a supervisor sees: one live alert per dedup key (the condition's key, or `LOW_STOCK:<sku>@<location>`). */
export const Alert = z.object({
  id: z.string(),
  dedupKey: z.string(),
  kind: AlertKind,
  severity: AlertSeverity,
  status: AlertStatus,
  siteId: z.string(),
  location: z.string().optional(),
  /** The device whose condition raised it. */
  deviceId: z.string().optional(),
  /** The edge whose condition raised it. */
  edgeId: z.string().optional(),
  message: z.string(),
  /** The measured value that raised it, in the condition's unit. */
  value: z.number().optional(),
  limit: z.number().optional(),
  unit: z.string().optional(),
  /** When its cause was first raised (ISO 8601). */
  raisedAt: z.string(),
  /** When its cause was last raised (re-opened or occurred again), ISO 8601. */
  lastRaisedAt: z.string().optional(),
  /** Times its cause was raised while this alert lived (flapping shows here, not as new alerts). */
  occurrences: z.number().int().optional(),
  acknowledgedBy: z.string().optional(),
  acknowledgedAt: z.string().optional(),
  resolvedAt: z.string().optional(),
  /** Times it was escalated for want of an acknowledgement. */
  escalations: z.number().int().optional(),
  /** Stock alerts: the SKU. */
  sku: z.string().optional(),
  /** LOW_STOCK: units to order (EOQ when the item has demand and costs, else reorder point − on hand + safety stock). */
  suggestedOrderQty: z.number().optional(),
});
export type Alert = z.infer<typeof Alert>;

/** One change in an alert's life: who (`system` for its cause), when, what, and an optional note. */
export const AlertTimelineEntry = z.object({
  at: z.string(),
  by: z.string(),
  action: z.enum([
    "raised",
    "occurred-again",
    "re-opened",
    "cleared",
    "acknowledged",
    "resolved",
    "escalated",
    "reminded",
  ]),
  note: z.string().optional(),
});
export type AlertTimelineEntry = z.infer<typeof AlertTimelineEntry>;

/**
 * What notifications are made of: an alert change worth telling people
 * about, with the alert as it stood after it. Written in the transaction
 * that made the change, so none is lost and none is told of a rolled-back
 * change. `target` is the escalation target an `escalated` event goes to.
 */
export interface AlertEvent {
  event: "raised" | "re-opened" | "escalated" | "reminder" | "cleared" | "resolved";
  at: string;
  alert: Alert;
  target?: string;
}
