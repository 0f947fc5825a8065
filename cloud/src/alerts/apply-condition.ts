import type { Condition } from "@tally/protocols";
import type { Alert } from "./alert.js";
import type { AlertCause } from "./alert-cause.js";

/**
 * An edge condition as an alert cause: `raised` with the alert it opens
 * (severity is the policy's, set when applied), `cleared` by its key.
 * `edgeId` is the edge whose authenticated batch carried it.
 */
export function conditionCause(condition: Condition, edgeId: string, newId: () => string): AlertCause {
  if (condition.state === "cleared") return { state: "cleared", at: condition.occurredAt, dedupKey: condition.key };
  const alert: Alert = {
    id: newId(),
    dedupKey: condition.key,
    kind: condition.conditionType,
    severity: "warning",
    status: "open",
    siteId: condition.siteId,
    deviceId: condition.deviceId,
    edgeId,
    message: condition.detail.length > 0 ? condition.detail : `${condition.conditionType} on ${condition.deviceId}`,
    raisedAt: condition.occurredAt,
  };
  if (condition.location !== undefined) alert.location = condition.location;
  if (condition.value !== undefined) alert.value = condition.value;
  if (condition.limit !== undefined) alert.limit = condition.limit;
  if (condition.unit !== undefined) alert.unit = condition.unit;
  return { state: "raised", at: condition.occurredAt, alert };
}
