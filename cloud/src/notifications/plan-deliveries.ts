import { dueGroups, type GroupingOptions, type OutboxEvent } from "./group-events.js";
import { matchesSubscription } from "./match-subscription.js";
import type { DeliveryPlan, PlannedDelivery } from "./notification-store.js";
import type { WebhookWithSecret } from "./webhook.js";
import { webhookBody } from "./webhook-body.js";

/**
 * The deliveries due outbox events make at `nowMs`: each due group (site
 * and kind) becomes one message per webhook that subscribes to any of its
 * events, holding those events only. A due group is consumed whether or not
 * a webhook wants it; groups not yet due stay in the outbox.
 */
export function planDeliveries(
  pending: readonly OutboxEvent[],
  webhooks: readonly WebhookWithSecret[],
  nowMs: number,
  grouping: GroupingOptions,
  newId: () => string,
): DeliveryPlan {
  const deliveries: PlannedDelivery[] = [];
  const consumed: number[] = [];
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
  return { deliveries, consumed };
}
