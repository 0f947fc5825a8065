import { dueGroups, type GroupingOptions, type OutboxEvent } from "./group-events.js";
import { matchesSubscription } from "./match-subscription.js";
import type { DeliveryPlan, PlannedDelivery } from "./notification-store.js";
import { isAlertEvent, type StoredOutboxEvent } from "./outbox-event.js";
import type { WebhookWithSecret } from "./webhook.js";
import { webhookBody } from "./webhook-body.js";

/**
 * The deliveries due outbox events make at `nowMs`: each due group (site
 * and kind) becomes one message per webhook that subscribes to any of its
 * events, holding those events only. A due group is consumed whether or not
 * a webhook wants it; groups not yet due stay in the outbox. A row that is no
 * alert event (a damaged row) is consumed and named in `malformed`, so it
 * cannot hold up the rest.
 */
export function planDeliveries(
  stored: readonly StoredOutboxEvent[],
  webhooks: readonly WebhookWithSecret[],
  nowMs: number,
  grouping: GroupingOptions,
  newId: () => string,
): DeliveryPlan {
  const deliveries: PlannedDelivery[] = [];
  const consumed: number[] = [];
  const malformed: number[] = [];
  const pending: OutboxEvent[] = [];
  for (const row of stored) {
    if (isAlertEvent(row.event)) pending.push({ seq: row.seq, event: row.event });
    else malformed.push(row.seq);
  }
  consumed.push(...malformed);
  for (const group of dueGroups(pending, nowMs, grouping)) {
    for (const item of group.events) consumed.push(item.seq);
    for (const webhook of webhooks) {
      const events = group.events.map((e) => e.event).filter((e) => matchesSubscription(webhook.filters, e));
      if (events.length === 0) continue;
      deliveries.push({
        id: newId(),
        webhookId: webhook.id,
        siteId: group.siteId,
        kind: group.kind,
        events: events.map((e) => ({ event: e.event, at: e.at, alertId: e.alert.id, severity: e.alert.severity })),
        body: webhookBody(webhook.format, { siteId: group.siteId, kind: group.kind, events }),
      });
    }
  }
  return { deliveries, consumed, malformed };
}
