/**
 * An alert's life, as pure functions over its record: raised by a cause,
 * acknowledged and resolved by people, cleared when its cause goes away,
 * re-opened when the cause comes back soon after (flapping). Each change
 * returns the timeline entries it adds (who, when, an optional note) and the
 * events worth telling people about. No I/O, no clock: callers pass the time.
 */
import type { Alert, AlertEvent, AlertSeverity, AlertTimelineEntry } from "./alert.js";

/** The outcome of one change: the alert after it, what the timeline gains, what to tell people. */
export interface AlertUpdate {
  alert: Alert;
  /** A new row (else an update of the row with `alert.id`). */
  isNew: boolean;
  entries: AlertTimelineEntry[];
  events: AlertEvent["event"][];
}

/** Why a person's action was refused. */
export type LifecycleRefusal = "ALERT_RESOLVED" | "ALERT_ALREADY_ACKNOWLEDGED" | "ALERT_PENDING";

export type ActionResult = { ok: true; update: AlertUpdate } | { ok: false; refusal: LifecycleRefusal };

/** Worst first. */
export const SEVERITY_ORDER: readonly AlertSeverity[] = ["critical", "major", "minor", "warning"];

/** One step worse (critical stays critical). */
export function worse(severity: AlertSeverity): AlertSeverity {
  return SEVERITY_ORDER[Math.max(0, SEVERITY_ORDER.indexOf(severity) - 1)] ?? "critical";
}

/** Whether `severity` is at least as bad as `floor`. */
export function atLeast(severity: AlertSeverity, floor: AlertSeverity): boolean {
  return SEVERITY_ORDER.indexOf(severity) <= SEVERITY_ORDER.indexOf(floor);
}

/** Whether the alert's cause is there now. */
export const isActive = (alert: Alert): boolean =>
  alert.status === "open" || alert.status === "acknowledged" || alert.status === "pending";

const entry = (at: string, by: string, action: AlertTimelineEntry["action"], note?: string): AlertTimelineEntry =>
  note === undefined ? { at, by, action } : { at, by, action, note };

const update = (
  alert: Alert,
  isNew: boolean,
  entries: AlertTimelineEntry[],
  events: AlertEvent["event"][] = [],
): AlertUpdate => ({ alert, isNew, entries, events });

export interface RaiseOptions {
  /** A cause back within this long of its alert's end re-opens that alert instead of opening a new one, ms. */
  reopenWindowMs: number;
  /** Hold a new alert as `pending` this long before it is open and told, ms (0: open at once). */
  graceMs: number;
}

/**
 * The cause is raised; `fresh` is the alert a new one would be (id, key,
 * severity, message, value…). With no live alert (or only one resolved
 * longer ago than the re-open window) the fresh one opens, or waits as
 * `pending` out its grace; an active one is left alone; a `cleared` one is
 * open again with one more occurrence; one resolved within the window
 * re-opens (unacknowledged again). Undefined when nothing changes.
 */
export function raise(
  current: Alert | undefined,
  fresh: Alert,
  at: string,
  options: RaiseOptions,
): AlertUpdate | undefined {
  if (current !== undefined && isActive(current)) return undefined;
  const occurrences = (current?.occurrences ?? 1) + 1;
  const measured = {
    ...(fresh.value !== undefined && { value: fresh.value }),
    ...(fresh.limit !== undefined && { limit: fresh.limit }),
    message: fresh.message,
  };
  if (current?.status === "cleared") {
    return update(
      { ...current, ...measured, status: "open", occurrences, lastRaisedAt: at },
      false,
      [entry(at, "system", "occurred-again")],
      ["re-opened"],
    );
  }
  if (current?.status === "resolved") {
    const sinceMs = Date.parse(at) - Date.parse(current.resolvedAt ?? current.lastRaisedAt ?? current.raisedAt);
    if (sinceMs <= options.reopenWindowMs) {
      const { acknowledgedBy: _by, acknowledgedAt: _at, resolvedAt: _resolved, ...rest } = current;
      return update(
        { ...rest, ...measured, status: "open", occurrences, lastRaisedAt: at },
        false,
        [entry(at, "system", "re-opened")],
        ["re-opened"],
      );
    }
  }
  const pending = options.graceMs > 0;
  return update(
    { ...fresh, status: pending ? "pending" : "open", raisedAt: at, lastRaisedAt: at, occurrences: 1, escalations: 0 },
    true,
    [entry(at, "system", "raised")],
    pending ? [] : ["raised"],
  );
}

/** A pending alert whose grace is over and whose cause is still there: now open, and told. */
export function promote(current: Alert, at: string): AlertUpdate | undefined {
  if (current.status !== "pending") return undefined;
  return update(
    { ...current, status: "open" },
    false,
    [entry(at, "system", "raised", "after its grace period")],
    ["raised"],
  );
}

/**
 * The cause went away. An acknowledged alert is then resolved; one nobody
 * looked at becomes `cleared` and still waits for an acknowledgement. A
 * pending one is dropped (`undefined` alert): it never was an alert.
 */
export function clear(current: Alert, at: string): AlertUpdate | "drop" | undefined {
  if (current.status === "pending") return "drop";
  if (current.status === "open") {
    return update({ ...current, status: "cleared" }, false, [entry(at, "system", "cleared")], ["cleared"]);
  }
  if (current.status === "acknowledged") {
    return update(
      { ...current, status: "resolved", resolvedAt: at },
      false,
      [entry(at, "system", "cleared"), entry(at, "system", "resolved")],
      ["resolved"],
    );
  }
  return undefined;
}

/** A person takes it on. A cleared alert acknowledged is over. */
export function acknowledge(current: Alert, by: string, at: string, note?: string): ActionResult {
  if (current.status === "resolved") return { ok: false, refusal: "ALERT_RESOLVED" };
  if (current.status === "acknowledged") return { ok: false, refusal: "ALERT_ALREADY_ACKNOWLEDGED" };
  if (current.status === "pending") return { ok: false, refusal: "ALERT_PENDING" };
  const acked: Alert = { ...current, acknowledgedBy: by, acknowledgedAt: at };
  const entries = [entry(at, by, "acknowledged", note)];
  if (current.status === "cleared") {
    entries.push(entry(at, "system", "resolved"));
    return { ok: true, update: update({ ...acked, status: "resolved", resolvedAt: at }, false, entries, ["resolved"]) };
  }
  return { ok: true, update: update({ ...acked, status: "acknowledged" }, false, entries) };
}

/** A person closes it, whether or not its cause is still there (it re-opens if the cause is raised again). */
export function resolve(current: Alert, by: string, at: string, note?: string): ActionResult {
  if (current.status === "resolved") return { ok: false, refusal: "ALERT_RESOLVED" };
  return {
    ok: true,
    update: update(
      { ...current, status: "resolved", resolvedAt: at },
      false,
      [entry(at, by, "resolved", note)],
      ["resolved"],
    ),
  };
}

/** Nobody acknowledged it in time: one severity worse, and the escalation target is told. */
export function escalate(current: Alert, at: string, target: string | undefined): AlertUpdate | undefined {
  if (current.status !== "open") return undefined;
  const severity = worse(current.severity);
  const note = `${current.severity} → ${severity}${target === undefined ? "" : `, ${target} told`}`;
  return update(
    { ...current, severity, escalations: (current.escalations ?? 0) + 1 },
    false,
    [entry(at, "system", "escalated", note)],
    ["escalated"],
  );
}

/** Still not acknowledged: tell again. */
export function remind(current: Alert, at: string): AlertUpdate | undefined {
  if (current.status !== "open" && current.status !== "cleared") return undefined;
  return update(current, false, [entry(at, "system", "reminded")], ["reminder"]);
}
