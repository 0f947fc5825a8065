import type { Condition } from "@tally/protocols";

/**
 * A raised condition as an edge would send it, for tests that need an alert
 * to exist: by default the cold room of the demo site reading 9 °C.
 */
export function raisedCondition(
  options: { id?: string; conditionType?: Condition["conditionType"]; deviceId?: string; key?: string } = {},
): Condition {
  const conditionType = options.conditionType ?? "TEMPERATURE_EXCURSION";
  const deviceId = options.deviceId ?? "cold-1";
  const key = options.key ?? `${conditionType}:${deviceId}`;
  return {
    kind: "condition",
    id: options.id ?? `c-${key}`,
    siteId: "DEMO",
    occurredAt: new Date().toISOString(),
    conditionType,
    state: "raised",
    key,
    deviceId,
    detail: conditionType === "TEMPERATURE_EXCURSION" ? "cold room at 9 °C" : `${conditionType} on ${deviceId}`,
  };
}
