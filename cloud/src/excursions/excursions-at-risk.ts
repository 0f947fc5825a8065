import type { LedgerStore } from "../ledger/ledger-store.js";
import type { ExcursionRecord, StockAtRisk } from "./excursion-record.js";
import { stockAtRiskOf } from "./record-excursions.js";

/** An excursion with what it put at risk. */
export interface ExcursionAtRisk {
  record: ExcursionRecord;
  stock: StockAtRisk[];
}

/**
 * Excursions a site's stock may carry, by recency: how many of a site's latest excursions an
 * EPCIS page looks at (each costs a read of its zone's movements).
 */
export const EXCURSIONS_PER_SITE = 100;

/**
 * The latest excursions (at most `EXCURSIONS_PER_SITE` a site) of the sites
 * of these movements that started by the last of them, with their stock at
 * risk: what a page of movements may have to report.
 */
export async function excursionsAtRisk(
  store: LedgerStore,
  movements: readonly { siteId: string; occurredAt: string }[],
  now: Date,
): Promise<ExcursionAtRisk[]> {
  const latest = new Map<string, number>();
  for (const m of movements) latest.set(m.siteId, Math.max(latest.get(m.siteId) ?? 0, Date.parse(m.occurredAt)));
  const found: ExcursionAtRisk[] = [];
  for (const [siteId, lastMs] of latest) {
    const records = await store.excursions.list({ siteId, to: new Date(lastMs + 1).toISOString() });
    for (const record of records.filter((r) => r.zone !== undefined).slice(-EXCURSIONS_PER_SITE)) {
      const stock = await stockAtRiskOf(store, record, now);
      if (stock.length > 0) found.push({ record, stock });
    }
  }
  return found;
}
