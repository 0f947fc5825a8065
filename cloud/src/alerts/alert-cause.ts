/**
 * From causes to alert updates: a rule says a cause is raised (with the
 * alert it would open) or cleared; the lifecycle, under the policy, says
 * what that does to the live alert of its key.
 */
import type { Alert } from "./alert.js";
import { type AlertUpdate, clear, raise } from "./alert-lifecycle.js";
import type { AlertPolicy } from "./alert-policy.js";

export type AlertCause =
  | { state: "raised"; at: string; alert: Alert }
  | { state: "cleared"; at: string; dedupKey: string };

export interface CauseOutcome {
  updates: AlertUpdate[];
  /** Pending alerts whose cause cleared within their grace: never told, removed. */
  dropped: Alert[];
}

/**
 * Applies causes in order. `live` holds the latest alert of each key the
 * causes name (any status: the lifecycle re-opens a recently resolved one);
 * it is updated in place so later causes see earlier ones.
 */
export function applyCauses(
  live: Map<string, Alert>,
  causes: readonly AlertCause[],
  policy: AlertPolicy,
): CauseOutcome {
  const updates: AlertUpdate[] = [];
  const dropped: Alert[] = [];
  for (const cause of causes) {
    if (cause.state === "raised") {
      const { alert } = cause;
      const kind = policy.kind(alert.siteId, alert.kind);
      const fresh: Alert = { ...alert, severity: kind.severity };
      const change = raise(live.get(alert.dedupKey), fresh, cause.at, {
        reopenWindowMs: policy.reopenWindowMs(alert.siteId),
        graceMs: kind.graceMs,
      });
      if (change === undefined) continue;
      live.set(alert.dedupKey, change.alert);
      updates.push(change);
      continue;
    }
    const current = live.get(cause.dedupKey);
    if (current === undefined) continue;
    const change = clear(current, cause.at);
    if (change === undefined) continue;
    if (change === "drop") {
      live.delete(cause.dedupKey);
      // Raised and cleared in one go: nothing was written yet, nothing to remove.
      const before = updates.length;
      const kept = updates.filter((u) => u.alert.id !== current.id);
      updates.splice(0, updates.length, ...kept);
      if (kept.length === before) dropped.push(current);
      continue;
    }
    live.set(cause.dedupKey, change.alert);
    updates.push(change);
  }
  return { updates, dropped };
}
