import { ConditionType } from "@tally/protocols";
import { z } from "zod";

export const AlertSeverity = z.enum(["critical", "warning"]);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

export const AlertStatus = z.enum(["open", "resolved"]);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** What a supervisor sees: one open alert per dedup key (the condition's key). */
export const Alert = z.object({
  id: z.string(),
  dedupKey: z.string(),
  kind: ConditionType,
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
});
export type Alert = z.infer<typeof Alert>;
