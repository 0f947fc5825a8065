import type { Kpis } from "@tally/protocols";
import type { LedgerStore } from "./ledger-store.js";
import { REPLENISHED_ZONE_KINDS } from "./stock-rules.js";

/** The value at quantile q (0–1) of sorted numbers, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? null;
}

/**
 * KPIs over the ledger: inventory record accuracy = counts whose counted
 * quantity equalled the ledger's balance at the count's time, over all
 * counts (the latest `window`); stockouts = items of the master with no
 * stock on hand; dock-to-stock = seconds from a serial's RECEIPT to its
 * first PUTAWAY; below reorder point = (sku, location) totals at storage or
 * picking locations (or unregistered ones) under the item's reorder point.
 */
export async function computeKpis(store: LedgerStore, window: number, now: Date): Promise<Kpis> {
  const [counts, dockToStock, items, stock, locations] = await Promise.all([
    store.counts(window),
    store.dockToStockSeconds(window),
    store.items(),
    store.stock(),
    store.locations(),
  ]);
  const accurate = counts.filter((c) => c.counted === c.recorded).length;

  const onHand = new Map<string, number>();
  const atLocation = new Map<string, { sku: string; location: string; qty: number }>();
  const kinds = new Map(locations.map((l) => [l.code, l.zoneKind]));
  for (const p of stock) {
    onHand.set(p.sku, (onHand.get(p.sku) ?? 0) + p.qty);
    const kind = kinds.get(p.location);
    if (kind !== undefined && !REPLENISHED_ZONE_KINDS.has(kind)) continue;
    const key = JSON.stringify([p.sku, p.location]);
    const entry = atLocation.get(key) ?? { sku: p.sku, location: p.location, qty: 0 };
    entry.qty += p.qty;
    atLocation.set(key, entry);
  }
  const stockouts = items.filter((i) => (onHand.get(i.sku) ?? 0) <= 0).map((i) => i.sku);
  const reorderPoints = new Map(items.flatMap((i) => (i.reorderPoint === undefined ? [] : [[i.sku, i.reorderPoint]])));
  const below = [...atLocation.values()].flatMap((p) => {
    const reorderPoint = reorderPoints.get(p.sku);
    return reorderPoint !== undefined && p.qty < reorderPoint ? [{ ...p, reorderPoint }] : [];
  });

  const sorted = [...dockToStock].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? null : sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    asOf: now.toISOString(),
    inventoryRecordAccuracy: {
      counts: counts.length,
      accurate,
      ratio: counts.length === 0 ? null : accurate / counts.length,
    },
    stockouts: { count: stockouts.length, skus: stockouts },
    dockToStock: { units: sorted.length, meanS: mean, p50S: quantile(sorted, 0.5), p90S: quantile(sorted, 0.9) },
    belowReorderPoint: { count: below.length, positions: below },
  };
}
