import type { AlertEvent } from "../alerts/alert.js";

/** An alert event waiting in the notification outbox, in the order it was written. */
export interface OutboxEvent {
  seq: number;
  event: AlertEvent;
}

/** The events of one site and alert kind that go out together as one message per subscribed webhook. */
export interface EventGroup {
  siteId: string;
  kind: string;
  /** Outbox order. */
  events: OutboxEvent[];
}

export interface GroupingOptions {
  /** How long the first event of a site and kind waits for others to join it, ms. */
  windowMs: number;
  /** The same for a group holding a critical event (never longer than `windowMs`). */
  criticalWindowMs: number;
}

export const DEFAULT_GROUPING: GroupingOptions = { windowMs: 30_000, criticalWindowMs: 30_000 };

/**
 * The groups due at `nowMs`. Pending events are grouped by site and kind; a
 * group is due when its first event is `windowMs` old (`criticalWindowMs`
 * when it holds a critical event). The window is fixed from the group's
 * first event, not restarted by each new one: a site whose sensor flaps
 * every few seconds still hears within the window, in one message instead
 * of dozens. An event whose time does not parse is due at once.
 */
export function dueGroups(pending: readonly OutboxEvent[], nowMs: number, options: GroupingOptions): EventGroup[] {
  const groups = new Map<string, EventGroup & { firstMs: number; critical: boolean }>();
  for (const item of [...pending].sort((a, b) => a.seq - b.seq)) {
    const { siteId, kind, severity } = item.event.alert;
    const key = `${siteId}\u0000${kind}`;
    const atMs = Date.parse(item.event.at);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        siteId,
        kind,
        events: [],
        firstMs: Number.isNaN(atMs) ? Number.NEGATIVE_INFINITY : atMs,
        critical: false,
      };
      groups.set(key, group);
    }
    group.events.push(item);
    if (Number.isNaN(atMs)) group.firstMs = Number.NEGATIVE_INFINITY;
    else group.firstMs = Math.min(group.firstMs, atMs);
    if (severity === "critical") group.critical = true;
  }
  const due: EventGroup[] = [];
  const criticalWindow = Math.min(options.criticalWindowMs, options.windowMs);
  for (const { siteId, kind, events, firstMs, critical } of groups.values()) {
    if (nowMs >= firstMs + (critical ? criticalWindow : options.windowMs)) due.push({ siteId, kind, events });
  }
  return due;
}
