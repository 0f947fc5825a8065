/**
 * The cloud's own alert rules, over what it sees across time rather than in
 * one batch: an edge not heard from, correction tasks past their due time.
 * Pure: callers pass what the database holds and the time.
 */
import type { Telemetry } from "@tally/protocols";
import type { Alert } from "./alert.js";
import type { AlertCause } from "./alert-cause.js";
import { isActive } from "./alert-lifecycle.js";
import type { AlertPolicy } from "./alert-policy.js";

export interface EdgeContact {
  edgeId: string;
  siteId: string;
  lastSeenAt: string;
}

export const edgeNotHeardKey = (edgeId: string): string => `EDGE_NOT_HEARD:${edgeId}`;

/**
 * An edge silent longer than its site's `edgeSilentMinutes` raises
 * EDGE_NOT_HEARD (which mutes the DEVICE_SILENT alerts of its devices); heard
 * again, it clears. One alert per silence: one a person resolved while the
 * edge stays silent is not raised again until the edge is heard and falls
 * silent anew. `latest` holds the latest alert of each edge's key, any status.
 */
export function edgeNotHeardCauses(
  contacts: readonly EdgeContact[],
  latest: ReadonlyMap<string, Alert>,
  policy: AlertPolicy,
  now: Date,
  newId: () => string,
): AlertCause[] {
  const at = now.toISOString();
  const causes: AlertCause[] = [];
  for (const c of contacts) {
    const key = edgeNotHeardKey(c.edgeId);
    const silentMs = now.getTime() - Date.parse(c.lastSeenAt);
    const limitMs = policy.rules(c.siteId).edgeSilentMs;
    const current = latest.get(key);
    const active = current !== undefined && isActive(current);
    const alertedThisSilence =
      current !== undefined && Date.parse(current.lastRaisedAt ?? current.raisedAt) >= Date.parse(c.lastSeenAt);
    if (silentMs > limitMs && !active && !alertedThisSilence) {
      causes.push({
        state: "raised",
        at,
        alert: {
          id: newId(),
          dedupKey: key,
          kind: "EDGE_NOT_HEARD",
          severity: "major",
          status: "open",
          siteId: c.siteId,
          edgeId: c.edgeId,
          message: `edge ${c.edgeId} not heard from since ${c.lastSeenAt}`,
          value: Math.round(silentMs / 60_000),
          limit: Math.round(limitMs / 60_000),
          unit: "min",
          raisedAt: at,
        },
      });
    } else if (silentMs <= limitMs && active) {
      causes.push({ state: "cleared", at, dedupKey: key });
    }
  }
  return causes;
}

export interface OverdueTask {
  id: string;
  siteId: string;
  taskType: string;
  location?: string | undefined;
  dueAt: string;
}

export const taskOverdueKey = (taskId: string): string => `TASK_OVERDUE:${taskId}`;

/**
 * A task open past its due time raises TASK_OVERDUE, once (a person who
 * resolves it has seen it); done or dismissed (no longer listed), its live
 * alert clears. `latest`: the latest alert of each overdue task's key, any
 * status; `live`: the live TASK_OVERDUE alerts.
 */
export function taskOverdueCauses(
  overdue: readonly OverdueTask[],
  latest: ReadonlyMap<string, Alert>,
  live: ReadonlyMap<string, Alert>,
  now: Date,
  newId: () => string,
): AlertCause[] {
  const at = now.toISOString();
  const causes: AlertCause[] = [];
  const still = new Set<string>();
  for (const t of overdue) {
    const key = taskOverdueKey(t.id);
    still.add(key);
    if (latest.has(key)) continue;
    causes.push({
      state: "raised",
      at,
      alert: {
        id: newId(),
        dedupKey: key,
        kind: "TASK_OVERDUE",
        severity: "warning",
        status: "open",
        siteId: t.siteId,
        ...(t.location !== undefined && { location: t.location }),
        message: `${t.taskType} task ${t.id}${t.location === undefined ? "" : ` at ${t.location}`} was due ${t.dueAt}`,
        raisedAt: at,
      },
    });
  }
  for (const [key, alert] of live) {
    if (!still.has(key) && isActive(alert)) causes.push({ state: "cleared", at, dedupKey: key });
  }
  return causes;
}

/** The metric edges report each device's dead letters a minute under. */
export const DEAD_LETTERS_METRIC = "dead-letters";

export const deadLetterKey = (siteId: string, deviceId: string): string => `DEAD_LETTER_RATE:${siteId}/${deviceId}`;

/**
 * A device whose messages the edge refused (dead letters) more than the
 * policy's `deadLettersPerMinute` in a minute raises DEAD_LETTER_RATE; a
 * minute at or under it clears it. `edgeId`: the edge whose batch reported it.
 */
export function deadLetterCauses(
  telemetry: readonly Telemetry[],
  edgeId: string,
  policy: AlertPolicy,
  newId: () => string,
): AlertCause[] {
  const causes: AlertCause[] = [];
  for (const t of telemetry) {
    if (t.metric !== DEAD_LETTERS_METRIC) continue;
    const key = deadLetterKey(t.siteId, t.deviceId);
    const limit = policy.rules(t.siteId).deadLettersPerMinute;
    if (t.value <= limit) {
      causes.push({ state: "cleared", at: t.occurredAt, dedupKey: key });
      continue;
    }
    causes.push({
      state: "raised",
      at: t.occurredAt,
      alert: {
        id: newId(),
        dedupKey: key,
        kind: "DEAD_LETTER_RATE",
        severity: "major",
        status: "open",
        siteId: t.siteId,
        deviceId: t.deviceId,
        edgeId,
        ...(t.location !== undefined && { location: t.location }),
        message: `${t.deviceId}: ${t.value} messages refused in a minute (limit ${limit})`,
        value: t.value,
        limit,
        unit: "msg/min",
        raisedAt: t.occurredAt,
      },
    });
  }
  return causes;
}

export const notifierFailingKey = (webhookId: string): string => `NOTIFIER_FAILING:${webhookId}`;

/** The site an alert about the cloud itself is filed under when it concerns no one site. */
export const CLOUD_SITE = "_cloud";

/**
 * A webhook receiver that has failed every delivery for longer than the
 * policy allows raises NOTIFIER_FAILING (filed under the webhook's site when it
 * has exactly one, else the cloud's own); its first success clears it.
 */
export function notifierFailingCause(
  webhook: { id: string; name: string; url: string; siteIds?: readonly string[] | undefined },
  failing: { since: string } | undefined,
  now: Date,
  newId: () => string,
): AlertCause {
  const at = now.toISOString();
  const key = notifierFailingKey(webhook.id);
  if (failing === undefined) return { state: "cleared", at, dedupKey: key };
  const host = URL.canParse(webhook.url) ? new URL(webhook.url).host : "?";
  return {
    state: "raised",
    at,
    alert: {
      id: newId(),
      dedupKey: key,
      kind: "NOTIFIER_FAILING",
      severity: "major",
      status: "open",
      siteId: webhook.siteIds?.length === 1 ? (webhook.siteIds[0] ?? CLOUD_SITE) : CLOUD_SITE,
      message: `webhook ${webhook.name} (${host}) has failed every delivery since ${failing.since}`,
      raisedAt: at,
    },
  };
}
