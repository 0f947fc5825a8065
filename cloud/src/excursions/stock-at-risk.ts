import type { StockAtRisk } from "./excursion-record.js";

/** What stock at risk needs of a movement (a ledger movement has all of it). */
export interface ZoneMovement {
  sku: string;
  qty: number;
  from?: string | undefined;
  to?: string | undefined;
  lot?: string | undefined;
  epc?: string | undefined;
  /** Site time of the movement (not when the cloud committed it). */
  occurredAt: string;
}

/** The zone and time span an excursion put at risk; `endedAt` undefined: still open (`now` ends it). */
export interface RiskWindow {
  siteId: string;
  zone: string;
  startedAt: string;
  endedAt?: string | undefined;
  now: string;
}

/** `SITE/ZONE/` : every location code of the zone starts with it. */
export function zonePrefix(siteId: string, zone: string): string {
  return `${siteId}/${zone}/`;
}

/**
 * Every (sku, lot, epc) that was in the zone at any time of the window, from
 * the ledger's history: the units in the zone at `startedAt` (the balance of
 * every movement up to then) plus the units that came into the zone from
 * outside it during the window, with the zone's locations they were at.
 * Stock that left before the start, or arrived after the end, is not at
 * risk. `movements` must hold every movement touching the zone up to the
 * window's end, in commit order; they are taken in site-time order (`occurredAt`).
 */
export function stockAtRisk(window: RiskWindow, movements: readonly ZoneMovement[]): StockAtRisk[] {
  const prefix = zonePrefix(window.siteId, window.zone);
  const inZone = (location: string | undefined): location is string => location?.startsWith(prefix) === true;
  const startMs = Date.parse(window.startedAt);
  const endMs = Date.parse(window.endedAt ?? window.now);
  const ordered = movements
    .map((movement, index) => ({ movement, index, at: Date.parse(movement.occurredAt) }))
    .sort((a, b) => a.at - b.at || a.index - b.index);

  /** Units per (stock key, location) in the zone, as of the movements taken so far. */
  const balances = new Map<string, Map<string, number>>();
  const keys = new Map<string, { sku: string; lot?: string; epc?: string }>();
  const add = (movement: ZoneMovement, location: string, qty: number): void => {
    const key = stockKey(movement);
    if (!keys.has(key)) keys.set(key, identity(movement));
    const byLocation = balances.get(key) ?? new Map<string, number>();
    byLocation.set(location, (byLocation.get(location) ?? 0) + qty);
    balances.set(key, byLocation);
  };
  let next = 0;
  for (; next < ordered.length; next++) {
    const item = ordered[next];
    if (item === undefined || item.at > startMs) break;
    if (inZone(item.movement.from)) add(item.movement, item.movement.from, -item.movement.qty);
    if (inZone(item.movement.to)) add(item.movement, item.movement.to, item.movement.qty);
  }

  const atRisk = new Map<string, { quantity: number; locations: Set<string> }>();
  const entry = (key: string) => {
    const found = atRisk.get(key) ?? { quantity: 0, locations: new Set<string>() };
    atRisk.set(key, found);
    return found;
  };
  for (const [key, byLocation] of balances) {
    for (const [location, qty] of byLocation) {
      if (qty <= 0) continue;
      const found = entry(key);
      found.quantity += qty;
      found.locations.add(location);
    }
  }
  for (; next < ordered.length; next++) {
    const item = ordered[next];
    if (item === undefined || item.at > endMs) break;
    const { movement } = item;
    if (!inZone(movement.to)) continue;
    const key = stockKey(movement);
    if (!keys.has(key)) keys.set(key, identity(movement));
    const found = entry(key);
    // Moving between bins of the zone adds a place, not units: they were counted already.
    if (!inZone(movement.from)) found.quantity += movement.qty;
    found.locations.add(movement.to);
  }

  const result: StockAtRisk[] = [];
  for (const [key, found] of atRisk) {
    const id = keys.get(key);
    if (id === undefined || found.quantity <= 0) continue;
    // A serialised unit is one unit, however often it came back into the zone.
    const quantity = id.epc !== undefined ? 1 : found.quantity;
    result.push({ ...id, quantity, locations: [...found.locations].sort() });
  }
  return result.sort((a, b) => cmp(a.sku, b.sku) || cmp(a.lot ?? "", b.lot ?? "") || cmp(a.epc ?? "", b.epc ?? ""));
}

/** The (sku, lot) pairs of a stock-at-risk list with their units, in order: what a hold makes tasks for. */
export function lotsAtRisk(
  stock: readonly StockAtRisk[],
): { sku: string; lot?: string; quantity: number; locations: string[] }[] {
  const lots = new Map<string, { sku: string; lot?: string; quantity: number; locations: Set<string> }>();
  for (const s of stock) {
    const key = JSON.stringify([s.sku, s.lot ?? ""]);
    const found = lots.get(key) ?? {
      sku: s.sku,
      ...(s.lot !== undefined && { lot: s.lot }),
      quantity: 0,
      locations: new Set<string>(),
    };
    found.quantity += s.quantity;
    for (const location of s.locations) found.locations.add(location);
    lots.set(key, found);
  }
  return [...lots.values()].map((l) => ({ ...l, locations: [...l.locations].sort() }));
}

function stockKey(movement: ZoneMovement): string {
  return JSON.stringify([movement.sku, movement.lot ?? "", movement.epc ?? ""]);
}

function identity(movement: ZoneMovement): { sku: string; lot?: string; epc?: string } {
  return {
    sku: movement.sku,
    ...(movement.lot !== undefined && movement.lot !== "" && { lot: movement.lot }),
    ...(movement.epc !== undefined && { epc: movement.epc }),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
