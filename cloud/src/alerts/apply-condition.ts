import type { Condition, ConditionType } from "@tally/protocols";
import type { Alert, AlertSeverity } from "./alert.js";

/** The result of one condition against the alert currently open for its key. */
export type AlertChange = { action: "open"; alert: Alert } | { action: "resolve"; alert: Alert };

export function severityOf(kind: ConditionType): AlertSeverity {
  switch (kind) {
    case "TEMPERATURE_EXCURSION":
      return "critical";
    case "DEVICE_SILENT":
    case "SHELF_UNSTABLE":
    case "READER_OVERFLOW":
    case "SENSOR_STUCK":
    case "SHELF_UNREACHABLE":
      return "warning";
    case "EDGE_BACKLOG":
    case "EDGE_IDENTITY_CONFLICT":
    case "FORGED_MESSAGE":
    case "SITE_LAYOUT_MISSING":
      return "critical";
  }
}

/**
 * Alert rule for conditions: `raised` opens an alert unless one is already
 * open for the same key (one open alert per cause); `cleared` resolves the
 * open one. Anything else changes nothing.
 */
export function applyCondition(
  open: Alert | undefined,
  condition: Condition,
  newId: () => string,
): AlertChange | undefined {
  if (condition.state === "raised") {
    if (open !== undefined) return undefined;
    const alert: Alert = {
      id: newId(),
      dedupKey: condition.key,
      kind: condition.conditionType,
      severity: severityOf(condition.conditionType),
      status: "open",
      siteId: condition.siteId,
      message: condition.detail.length > 0 ? condition.detail : `${condition.conditionType} on ${condition.deviceId}`,
      raisedAt: condition.occurredAt,
    };
    if (condition.location !== undefined) alert.location = condition.location;
    if (condition.value !== undefined) alert.value = condition.value;
    if (condition.limit !== undefined) alert.limit = condition.limit;
    if (condition.unit !== undefined) alert.unit = condition.unit;
    return { action: "open", alert };
  }
  if (open === undefined) return undefined;
  return { action: "resolve", alert: { ...open, status: "resolved", resolvedAt: condition.occurredAt } };
}
