import type { Condition, EdgeEvent } from "@tally/protocols";
import type { Alert } from "../alerts/alert.js";
import type { AlertHub } from "../alerts/alert-hub.js";
import { CLOUD_SOURCE } from "../ledger/cloud-source.js";
import { derivedId } from "../ledger/derived-id.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { atRiskMessage } from "./at-risk-message.js";
import { excursionFact } from "./excursion-from-condition.js";
import type { ExcursionRecord, StockAtRisk } from "./excursion-record.js";
import { quarantineTasks } from "./hold-stock.js";
import { stockAtRisk } from "./stock-at-risk.js";

export interface ExcursionDeps {
  store: LedgerStore;
  alerts: AlertHub;
  now?: () => Date;
}

/**
 * After a commit: turns the batch's TEMPERATURE_EXCURSION conditions
 * (newly committed or resent) into excursion records, names the stock at risk
 * in their alert, and holds it when an excursion closes and the store's policy says so.
 * Returns the alerts whose message it changed (to publish with the commit's, once).
 * Resent conditions are applied again on purpose: the records are upserts, so
 * a cloud that stopped between the commit and this step catches up when the
 * edge resends the batch it never got an ack for.
 */
export async function recordExcursions(
  deps: ExcursionDeps,
  events: readonly EdgeEvent[],
  applied: ReadonlySet<string>,
  committedAlerts: readonly Alert[],
): Promise<Alert[]> {
  const changed = new Map<string, Alert>();
  const conditions = events.filter(
    (e): e is Condition => e.kind === "condition" && e.conditionType === "TEMPERATURE_EXCURSION" && applied.has(e.id),
  );
  /** Each excursion's record after the batch: its stock at risk is read once, however many conditions it had. */
  const records = new Map<string, ExcursionRecord>();
  for (const condition of conditions) {
    const alertId = await raisedAlertId(deps, condition, committedAlerts);
    const fact = excursionFact(condition, alertId);
    if (fact === undefined) continue;
    const recorded = await deps.store.excursions.record(fact);
    if (recorded === undefined) continue;
    records.set(recorded.record.id, recorded.record);
    for (const alert of await clearLateRaise(deps, condition, recorded.record)) changed.set(alert.id, alert);
  }
  for (const record of records.values()) {
    const stock = await stockAtRiskOf(deps.store, record, deps.now?.() ?? new Date());
    if (record.alertId !== undefined) {
      const alert = await deps.store.excursions.setAlertMessage(record.alertId, atRiskMessage(record, stock));
      if (alert !== undefined) changed.set(alert.id, alert);
    }
    if (deps.store.excursions.policy.holdOnClose && record.status === "closed") await holdStock(deps, record, stock);
  }
  return [...changed.values()];
}

/** The stock at risk of an excursion from the ledger's history (none when its zone is unknown). */
export async function stockAtRiskOf(store: LedgerStore, record: ExcursionRecord, now: Date): Promise<StockAtRisk[]> {
  if (record.zone === undefined) return [];
  const window = {
    siteId: record.siteId,
    zone: record.zone,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    now: now.toISOString(),
  };
  const until = record.endedAt ?? window.now;
  return stockAtRisk(window, await store.excursions.zoneMovements(record.siteId, record.zone, until));
}

/** What a hold did: tasks it made now, and tasks an earlier hold had made already. */
export interface HoldResult {
  created: string[];
  existing: string[];
}

/** One QUARANTINE task per (sku, lot) at risk, committed like the cloud's other events: idempotent by id. */
export async function holdStock(
  deps: Pick<ExcursionDeps, "store" | "alerts">,
  record: ExcursionRecord,
  stock: readonly StockAtRisk[],
): Promise<HoldResult> {
  const tasks = quarantineTasks(record, stock);
  if (tasks.length === 0) return { created: [], existing: [] };
  const result = await deps.store.commit(
    { edgeId: CLOUD_SOURCE, siteId: record.siteId, batchId: derivedId(`hold:${record.id}`), seq: 0 },
    tasks,
  );
  deps.alerts.publish(result.alerts);
  // A task whose content changed since (its first location) is a conflict: it exists all the same.
  return { created: result.committed, existing: [...result.duplicates, ...result.conflicts] };
}

/** The TEMPERATURE_EXCURSION alert a raise opened: from this commit, else the live one of its key. */
async function raisedAlertId(
  deps: ExcursionDeps,
  condition: Condition,
  committedAlerts: readonly Alert[],
): Promise<string | undefined> {
  if (condition.state !== "raised") return undefined;
  const own = committedAlerts.find((a) => a.dedupKey === condition.key && a.kind === "TEMPERATURE_EXCURSION");
  if (own !== undefined) return own.id;
  const latest = (await deps.store.alerting.latestByKeys([condition.key])).get(condition.key);
  if (latest === undefined) return undefined;
  // Only the alert this very raise opened or re-raised (its time is the raise's), not one of another excursion.
  const raisedAt = Date.parse(condition.occurredAt);
  const same = [latest.raisedAt, latest.lastRaisedAt].some((t) => t !== undefined && Date.parse(t) === raisedAt);
  return same ? latest.id : undefined;
}

/**
 * A raise that came after its excursion's clear (reordered batches) opened an
 * alert no clear will follow: clear it as the clear would have.
 */
async function clearLateRaise(deps: ExcursionDeps, condition: Condition, record: ExcursionRecord): Promise<Alert[]> {
  if (condition.state !== "raised" || record.status !== "closed" || record.alertId === undefined) return [];
  const alert = (await deps.store.alerting.latestByKeys([condition.key])).get(condition.key);
  if (alert?.id !== record.alertId || alert.status === "cleared" || alert.status === "resolved") return [];
  const at = record.endedAt ?? condition.occurredAt;
  return deps.store.alerting.applyCauses(
    [{ state: "cleared", at, dedupKey: condition.key }],
    deps.now?.() ?? new Date(),
  );
}
