import type { AlertEvent, AlertSeverity } from "../alerts/alert.js";
import type { WebhookFilters } from "./webhook.js";

/** Worst first, as `AlertSeverity` lists them: a lower rank is more severe. */
const RANK: Record<AlertSeverity, number> = { critical: 0, major: 1, minor: 2, warning: 3 };

/** Whether a webhook with these filters is told of this event. */
export function matchesSubscription(filters: WebhookFilters, event: AlertEvent): boolean {
  const { alert } = event;
  if (filters.siteIds !== undefined && !filters.siteIds.includes(alert.siteId)) return false;
  if (filters.kinds !== undefined && !filters.kinds.includes(alert.kind)) return false;
  if (filters.severities !== undefined && !filters.severities.includes(alert.severity)) return false;
  if (filters.minSeverity !== undefined && RANK[alert.severity] > RANK[filters.minSeverity]) return false;
  return true;
}
