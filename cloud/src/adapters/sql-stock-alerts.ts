import type { Alert } from "../alerts/alert.js";
import type { Position } from "../ledger/ledger-store.js";
import { newId } from "../ledger/new-id.js";
import {
  type ItemRule,
  lowStockKey,
  negativeStockKey,
  REPLENISHED_ZONE_KINDS,
  stockAlertCauses,
} from "../ledger/stock-rules.js";
import { latestAlerts, type SqlAlertStore } from "./sql-alert-store.js";
import { selectInChunks } from "./sql-chunks.js";
import { num, type SqlDb } from "./sql-driver.js";

/** Alerts people may see: a pending one is nobody's business until its grace is over. */
export const told = (alerts: readonly Alert[]): Alert[] => alerts.filter((a) => a.status !== "pending");

/** The positions a batch's movements touched, as the positions upsert returned them. */
export interface TouchedStock {
  touched: readonly Position[];
  /** Whether any stock alert is live, as the positions upsert tells. */
  anyOpen: boolean;
  rules: ReadonlyMap<string, ItemRule>;
  now: string;
}

/**
 * Negative-stock and low-stock alerts of the touched positions, opened or resolved (those people may see are
 * added to `alerts`). Returns the alerts it raised.
 */
export async function stockAlerts(
  tx: SqlDb,
  alerting: SqlAlertStore,
  { touched, anyOpen, rules, now }: TouchedStock,
  alerts: Alert[],
): Promise<Alert[]> {
  if (touched.length === 0) return [];
  let totals: { sku: string; location: string; qty: number }[] = [];
  const reordered = touched.filter((p) => rules.get(p.sku)?.reorderPoint !== undefined);
  if (reordered.length > 0) {
    const kinds = await zoneKinds(tx, [...new Set(reordered.map((p) => p.location))]);
    const pairs = new Map<string, { sku: string; location: string }>();
    for (const p of reordered) {
      const kind = kinds.get(p.location);
      if (kind !== undefined && !REPLENISHED_ZONE_KINDS.has(kind)) continue;
      pairs.set(JSON.stringify([p.sku, p.location]), { sku: p.sku, location: p.location });
    }
    totals = await locationTotals(tx, [...pairs.values()]);
  }
  const candidates = [
    ...touched
      .filter((p) => p.qty < 0 && rules.get(p.sku)?.negativeStock === "allow")
      .map((p) => negativeStockKey(p.sku, p.location, p.lot)),
    ...totals
      .filter((t) => t.qty < (rules.get(t.sku)?.reorderPoint ?? Number.NEGATIVE_INFINITY))
      .map((t) => lowStockKey(t.sku, t.location)),
  ];
  if (candidates.length === 0 && !anyOpen) return [];
  const keys = [
    ...touched.map((p) => negativeStockKey(p.sku, p.location, p.lot)),
    ...totals.map((t) => lowStockKey(t.sku, t.location)),
  ];
  const causes = stockAlertCauses({ touched, totals, rules, open: await latestAlerts(tx, keys), at: now, newId });
  alerts.push(...told(await alerting.applyCausesIn(tx, causes, now)));
  return causes.flatMap((c) => (c.state === "raised" ? [c.alert] : []));
}

async function zoneKinds(tx: SqlDb, codes: readonly string[]): Promise<Map<string, string>> {
  const kinds = new Map<string, string>();
  const rows = await selectInChunks(codes, (chunk) => {
    const codesIn = tx.inList("l.code", chunk);
    return tx.all<{ code: string; kind: string }>(
      `SELECT l.code, z.kind FROM locations l JOIN zones z ON z.site_id = l.site_id AND z.zone_id = l.zone_id
       WHERE ${codesIn.sql}`,
      codesIn.params,
    );
  });
  for (const row of rows) kinds.set(row.code, row.kind);
  return kinds;
}

async function locationTotals(
  tx: SqlDb,
  pairs: readonly { sku: string; location: string }[],
): Promise<{ sku: string; location: string; qty: number }[]> {
  const out: { sku: string; location: string; qty: number }[] = [];
  for (const p of pairs) {
    const rows = await tx.all<{ qty: unknown }>(
      "SELECT COALESCE(SUM(qty), 0) AS qty FROM positions WHERE sku = ? AND location = ?",
      [p.sku, p.location],
    );
    out.push({ sku: p.sku, location: p.location, qty: num(rows[0]?.qty ?? 0) });
  }
  return out;
}
