import type { Movement } from "@tally/protocols";
import type { Position } from "./ledger-store.js";

/**
 * Aggregates a batch's movements into one signed delta per (sku, location,
 * lot): `to` adds qty, `from` subtracts it. Sorted by key so concurrent
 * upserts lock rows in the same order; zero deltas are left out.
 */
export function positionDeltas(movements: readonly Movement[]): Position[] {
  const deltas = new Map<string, Position>();
  const add = (sku: string, location: string, lot: string, qty: number) => {
    // NUL cannot occur in SKUs, codes or lots: a cheap unambiguous key.
    const key = `${sku}\u0000${location}\u0000${lot}`;
    const current = deltas.get(key);
    if (current === undefined) deltas.set(key, { sku, location, lot, qty });
    else current.qty += qty;
  };
  for (const m of movements) {
    const lot = m.lot ?? "";
    if (m.from !== undefined) add(m.sku, m.from, lot, -m.qty);
    if (m.to !== undefined) add(m.sku, m.to, lot, m.qty);
  }
  return [...deltas.values()]
    .filter((d) => d.qty !== 0)
    .sort((a, b) => compare(a.sku, b.sku) || compare(a.location, b.location) || compare(a.lot, b.lot));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
