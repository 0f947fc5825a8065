import { ConditionType } from "@tally/protocols";
import { z } from "zod";

export const AlertSeverity = z.enum(["critical", "warning"]);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

export const AlertStatus = z.enum(["open", "resolved"]);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** Alerts the ledger raises itself, beside those from edge conditions. */
export const StockAlertKind = z.enum(["LOW_STOCK", "NEGATIVE_STOCK"]);
export type StockAlertKind = z.infer<typeof StockAlertKind>;

export const AlertKind = z.union([ConditionType, StockAlertKind]);
export type AlertKind = z.infer<typeof AlertKind>;

/** What a supervisor sees: one open alert per dedup key (the condition's key, or `LOW_STOCK:<sku>@<location>`). */
export const Alert = z.object({
  id: z.string(),
  dedupKey: z.string(),
  kind: AlertKind,
  severity: AlertSeverity,
  status: AlertStatus,
  siteId: z.string(),
  location: z.string().optional(),
  message: z.string(),
  /** The measured value that raised it, in the condition's unit. */
  value: z.number().optional(),
  limit: z.number().optional(),
  unit: z.string().optional(),
  /** The condition's occurredAt (ISO 8601). */
  raisedAt: z.string(),
  resolvedAt: z.string().optional(),
  /** Stock alerts: the SKU. */
  sku: z.string().optional(),
  /** LOW_STOCK: units to order (EOQ when the item has demand and costs, else reorder point − on hand + safety stock). */
  suggestedOrderQty: z.number().optional(),
});
export type Alert = z.infer<typeof Alert>;
