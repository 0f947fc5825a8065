import { type SiteLayout, zoneOfLocation } from "@tally/protocols";
import type { StockLow, TrueMovement } from "./scenario.js";

/** Zone kinds whose stock is on hand for replenishment: where the ledger compares stock with reorder points. */
const REPLENISHED_ZONE_KINDS: ReadonlySet<string> = new Set(["storage", "picking"]);

/**
 * Per SKU with a reorder point and storage/picking location: the first
 * time the true stock there, after a change, was below the reorder point.
 * Changes are taken in time order (ties in list order).
 */
export function stockLowsOf(
  changes: readonly { sku: string; qty: number; from?: string | undefined; to?: string | undefined; atMs: number }[],
  site: SiteLayout,
): StockLow[] {
  const reorder = new Map(site.items.flatMap((i) => (i.reorderPoint === undefined ? [] : [[i.sku, i.reorderPoint]])));
  const kinds = new Map(site.zones.map((z) => [z.id, z.kind]));
  const qty = new Map<string, number>();
  const lows = new Map<string, StockLow>();
  const ordered = changes.map((c, i) => ({ c, i })).sort((a, b) => a.c.atMs - b.c.atMs || a.i - b.i);
  for (const { c } of ordered) {
    const point = reorder.get(c.sku);
    if (point === undefined) continue;
    for (const [location, delta] of [
      [c.from, -c.qty],
      [c.to, c.qty],
    ] as const) {
      if (location === undefined) continue;
      const key = `${c.sku}\u0000${location}`;
      const now = (qty.get(key) ?? 0) + delta;
      qty.set(key, now);
      if (now < point && !lows.has(key) && REPLENISHED_ZONE_KINDS.has(kinds.get(zoneOfLocation(location)) ?? "")) {
        lows.set(key, { sku: c.sku, location, reorderPoint: point, atMs: c.atMs });
      }
    }
  }
  return [...lows.values()];
}

/** Stock per location and SKU after the movements; non-zero only, sorted by location then SKU. */
export function positionsOf(
  movements: readonly Pick<TrueMovement, "sku" | "qty" | "from" | "to">[],
): { sku: string; location: string; qty: number }[] {
  const qty = new Map<string, { sku: string; location: string; qty: number }>();
  const add = (location: string, sku: string, delta: number): void => {
    const key = `${location}\u0000${sku}`;
    const current = qty.get(key) ?? { sku, location, qty: 0 };
    current.qty += delta;
    qty.set(key, current);
  };
  for (const m of movements) {
    if (m.from !== undefined) add(m.from, m.sku, -m.qty);
    if (m.to !== undefined) add(m.to, m.sku, m.qty);
  }
  return [...qty.values()]
    .filter((p) => p.qty !== 0)
    .sort((a, b) => a.location.localeCompare(b.location) || a.sku.localeCompare(b.sku));
}
