import type { Alert, AlertEvent } from "../alerts/alert.js";

/** Test-only: an alert event of a chilled-zone excursion at S1 (not exported from the package). */
export const EVENT_T0 = Date.parse("2026-12-03T10:00:00.000Z");

export function alertEvent(
  overrides: Partial<Alert> = {},
  event: AlertEvent["event"] = "raised",
  atMs = EVENT_T0,
): AlertEvent {
  return {
    event,
    at: new Date(atMs).toISOString(),
    alert: {
      id: "a1",
      dedupKey: "TEMPERATURE_EXCURSION:temp-1",
      kind: "TEMPERATURE_EXCURSION",
      severity: "major",
      status: "open",
      siteId: "S1",
      location: "S1/COLD/01",
      message: "chilled zone above 8 °C",
      value: 9.5,
      limit: 8,
      unit: "°C",
      raisedAt: new Date(atMs).toISOString(),
      ...overrides,
    },
  };
}
