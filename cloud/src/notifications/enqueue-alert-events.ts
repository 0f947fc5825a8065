import type { Column, SqlDb } from "../adapters/sql-driver.js";
import type { AlertEvent } from "../alerts/alert.js";

const OUTBOX_COLUMNS: readonly Column[] = [
  { name: "site_id", type: "text" },
  { name: "kind", type: "text" },
  { name: "event", type: "jsonb", object: true },
];

/**
 * Writes alert events to the notification outbox inside the caller's
 * transaction (the one that changed the alerts): a change that rolls back
 * tells nobody, and one that commits is told even if the process dies the
 * next moment. The notifier takes them from there.
 */
export async function enqueueAlertEvents(tx: SqlDb, events: readonly AlertEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.insertRowsCount(
    "notification_outbox",
    OUTBOX_COLUMNS,
    events.map((e) => [e.alert.siteId, e.alert.kind, e]),
  );
}
