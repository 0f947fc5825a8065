import type { AlertEvent } from "../alerts/alert.js";

/** An outbox row as read back from the database, before it is known to be an alert event. */
export interface StoredOutboxEvent {
  seq: number;
  event: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/**
 * Whether an outbox row holds what the notifier needs of an alert event: the
 * change, its time and an alert with id, site, kind, severity and message.
 * The row is checked, not parsed: a delivery carries the event as it was
 * written, with any field a newer alert core added.
 */
export function isAlertEvent(value: unknown): value is AlertEvent {
  if (!isObject(value) || typeof value.event !== "string" || typeof value.at !== "string") return false;
  const alert = value.alert;
  return (
    isObject(alert) && ["id", "siteId", "kind", "severity", "message"].every((key) => typeof alert[key] === "string")
  );
}
