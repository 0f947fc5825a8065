import type { Movement } from "@tally/protocols";
import type { Position } from "./ledger-store.js";

/**
 * Aggregates a batch's movements into one signed delta per (sku, location,
 * lot): `to` adds qty, `from` subtracts it. Sorted by key so concurrent
 * upserts lock rows in the same order; zero deltas are left out.
 */
export function positionDeltas(movements: readonly Movement[]): Position[] {
  // sku → location → lot: no key string built per leg (this runs for every movement of every batch).
  const deltas = new Map<string, Map<string, Map<string, Position>>>();
  const out: Position[] = [];
  const add = (sku: string, location: string, lot: string, qty: number) => {
    let bySku = deltas.get(sku);
    if (bySku === undefined) {
      bySku = new Map();
      deltas.set(sku, bySku);
    }
    let byLocation = bySku.get(location);
    if (byLocation === undefined) {
      byLocation = new Map();
      bySku.set(location, byLocation);
    }
    const current = byLocation.get(lot);
    if (current !== undefined) {
      current.qty += qty;
      return;
    }
    const position = { sku, location, lot, qty };
    byLocation.set(lot, position);
    out.push(position);
  };
  for (const m of movements) {
    const lot = m.lot ?? "";
    if (m.from !== undefined) add(m.sku, m.from, lot, -m.qty);
    if (m.to !== undefined) add(m.sku, m.to, lot, m.qty);
  }
  return out
    .filter((d) => d.qty !== 0)
    .sort((a, b) => compare(a.sku, b.sku) || compare(a.location, b.location) || compare(a.lot, b.lot));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
