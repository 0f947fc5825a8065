import type { LedgerStore } from "../ledger/ledger-store.js";
import type { ExcursionRecord, StockAtRisk } from "./excursion-record.js";
import { stockAtRisk } from "./stock-at-risk.js";

/** An excursion with what it put at risk. */
export interface ExcursionAtRisk {
  record: ExcursionRecord;
  stock: StockAtRisk[];
}

/**
 * How many of a site's latest excursions an EPCIS page looks at (the movements of each zone
 * among them are read once a page).
 */
export const EXCURSIONS_PER_SITE = 100;

/**
 * The latest excursions (at most `EXCURSIONS_PER_SITE` a site) of the sites
 * of these movements that started by the last of them, with their stock at
 * risk: what a page of movements may have to report. The zone's movements
 * are read once for all its excursions (up to the latest end): each
 * excursion's stock at risk ignores movements after its own end.
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
    const byZone = new Map<string, ExcursionRecord[]>();
    for (const record of records.slice(-EXCURSIONS_PER_SITE)) {
      if (record.zone === undefined) continue;
      byZone.set(record.zone, [...(byZone.get(record.zone) ?? []), record]);
    }
    for (const [zone, zoneRecords] of byZone) {
      const until = Math.max(...zoneRecords.map((r) => Date.parse(r.endedAt ?? now.toISOString())));
      const zoneMovements = await store.excursions.zoneMovements(siteId, zone, new Date(until).toISOString());
      for (const record of zoneRecords) {
        const window = { siteId, zone, startedAt: record.startedAt, endedAt: record.endedAt, now: now.toISOString() };
        const stock = stockAtRisk(window, zoneMovements);
        if (stock.length > 0) found.push({ record, stock });
      }
    }
  }
  return found;
}
