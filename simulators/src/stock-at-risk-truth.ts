import { zoneOfLocation } from "@tally/protocols";
import type { StockAtRiskTruth } from "./scenario.js";

/** A stock change as the truth knows it: ms from the start at speed 1. */
export interface TimedChange {
  sku: string;
  qty: number;
  lot?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  atMs: number;
}

/**
 * The stock at risk in `zone` during an excursion from `startMs` to `endMs`
 * (absent: it never ended), computed from the true movements alone, by SKU
 * and lot: the units in the zone at its start (changes at or before it) plus
 * the units that came into the zone from elsewhere after it began and no
 * later than its end. Stock that left before it began or arrived after it
 * ended is not at risk. A move between two locations of the zone is neither
 * an arrival nor a departure. Pure; kept apart from the edge's and the
 * cloud's code on purpose: it is what they are measured against.
 */
export function stockAtRiskTruth(
  changes: readonly TimedChange[],
  zone: string,
  startMs: number,
  endMs: number | undefined,
): StockAtRiskTruth[] {
  const inZone = (location: string | undefined): boolean => location !== undefined && zoneOfLocation(location) === zone;
  const key = (c: TimedChange): string => `${c.sku}\u0000${c.lot ?? ""}`;
  const atStart = new Map<string, number>();
  const arrived = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, n: number): void => {
    m.set(k, (m.get(k) ?? 0) + n);
  };
  for (const c of changes) {
    const into = inZone(c.to);
    const outOf = inZone(c.from);
    if (c.atMs <= startMs) {
      if (into) add(atStart, key(c), c.qty);
      if (outOf) add(atStart, key(c), -c.qty);
    } else if ((endMs === undefined || c.atMs <= endMs) && into && !outOf) {
      add(arrived, key(c), c.qty);
    }
  }
  const out: StockAtRiskTruth[] = [];
  for (const k of new Set([...atStart.keys(), ...arrived.keys()])) {
    const quantity = Math.max(0, atStart.get(k) ?? 0) + (arrived.get(k) ?? 0);
    if (quantity <= 0) continue;
    const [sku = "", lot = ""] = k.split("\u0000");
    out.push({ sku, ...(lot !== "" && { lot }), quantity });
  }
  return out.sort((a, b) => compare(a.sku, b.sku) || compare(a.lot ?? "", b.lot ?? ""));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
