import type { LedgerItem, Movement } from "@tally/protocols";
import type { Alert } from "../alerts/alert.js";
import type { AlertCause } from "../alerts/alert-cause.js";
import { isActive } from "../alerts/alert-lifecycle.js";
import type { Position } from "./ledger-store.js";

/** What the commit needs of an item: its stock policy. */
export type ItemRule = Pick<
  LedgerItem,
  "sku" | "reorderPoint" | "safetyStock" | "negativeStock" | "annualDemand" | "orderCost" | "holdingCost"
>;

export const positionKey = (sku: string, location: string, lot: string): string => JSON.stringify([sku, location, lot]);

export const lowStockKey = (sku: string, location: string): string => `LOW_STOCK:${sku}@${location}`;
export const negativeStockKey = (sku: string, location: string, lot: string): string =>
  `NEGATIVE_STOCK:${sku}@${location}${lot === "" ? "" : `#${lot}`}`;

/**
 * Units to order for a position below its reorder point: the economic order
 * quantity √(2·D·S/H) when the item has annual demand D, order cost S and
 * holding cost H; else what brings it back to the reorder point plus the
 * safety stock. At least 1.
 */
export function suggestedOrderQty(rule: ItemRule, onHand: number): number {
  const { annualDemand: d, orderCost: s, holdingCost: h } = rule;
  if (d !== undefined && s !== undefined && h !== undefined) return Math.max(1, Math.ceil(Math.sqrt((2 * d * s) / h)));
  return Math.max(1, (rule.reorderPoint ?? 0) - onHand + (rule.safetyStock ?? 0));
}

/**
 * Negative stock refused: walks the batch in order over the current
 * positions and holds every movement that would take a position of an item
 * with `negativeStock: "refuse"` below zero. `current` holds the qty of
 * every (sku, from, lot) such a movement draws on (missing = 0).
 */
export function holdNegative(
  movements: readonly Movement[],
  rules: ReadonlyMap<string, ItemRule>,
  current: ReadonlyMap<string, number>,
): { accepted: Movement[]; held: Movement[] } {
  const qty = new Map(current);
  const accepted: Movement[] = [];
  const held: Movement[] = [];
  for (const m of movements) {
    const lot = m.lot ?? "";
    if (m.from !== undefined && rules.get(m.sku)?.negativeStock === "refuse") {
      const key = positionKey(m.sku, m.from, lot);
      const left = (qty.get(key) ?? 0) - m.qty;
      if (left < 0) {
        held.push(m);
        continue;
      }
      qty.set(key, left);
    }
    if (m.to !== undefined) {
      const key = positionKey(m.sku, m.to, lot);
      qty.set(key, (qty.get(key) ?? 0) + m.qty);
    }
    accepted.push(m);
  }
  return { accepted, held };
}

/** The keys whose positions a refusing item's movements draw on. */
export function refusalKeys(movements: readonly Movement[], rules: ReadonlyMap<string, ItemRule>): Position[] {
  const keys = new Map<string, Position>();
  for (const m of movements) {
    if (m.from === undefined || rules.get(m.sku)?.negativeStock !== "refuse") continue;
    const lot = m.lot ?? "";
    keys.set(positionKey(m.sku, m.from, lot), { sku: m.sku, location: m.from, lot, qty: 0 });
  }
  return [...keys.values()];
}

export interface StockAlertInput {
  /** Positions (sku, location, lot) the batch changed, with their qty after it. */
  touched: readonly Position[];
  /** Per (sku, location) totals over lots after the batch, for items with a reorder point at eligible locations. */
  totals: readonly { sku: string; location: string; qty: number }[];
  rules: ReadonlyMap<string, ItemRule>;
  /** The latest LOW_STOCK / NEGATIVE_STOCK alert of each key, any status. */
  open: ReadonlyMap<string, Alert>;
  at: string;
  newId: () => string;
}

/**
 * Stock alert rules, for items of the master: a position going below zero
 * (items that allow it) raises NEGATIVE_STOCK, back at zero or above clears
 * it; a (sku, location) total below the item's reorder point raises
 * LOW_STOCK with a suggested order quantity, at or above it clears it. A
 * cause is only named when it changes something: raised with no active
 * alert, cleared with one (the lifecycle does the rest).
 */
export function stockAlertCauses(input: StockAlertInput): AlertCause[] {
  const causes: AlertCause[] = [];
  const active = (key: string) => {
    const alert = input.open.get(key);
    return alert !== undefined && isActive(alert);
  };
  const clear = (key: string) => causes.push({ state: "cleared", at: input.at, dedupKey: key });
  for (const p of input.touched) {
    // Stock policy is the item master's: a SKU it does not list is recorded without stock alerts.
    if (input.rules.get(p.sku)?.negativeStock !== "allow") continue;
    const key = negativeStockKey(p.sku, p.location, p.lot);
    if (p.qty < 0 && !active(key)) {
      causes.push({
        state: "raised",
        at: input.at,
        alert: {
          id: input.newId(),
          dedupKey: key,
          kind: "NEGATIVE_STOCK",
          severity: "warning",
          status: "open",
          siteId: siteOf(p.location),
          location: p.location,
          sku: p.sku,
          message: `${p.sku}${p.lot === "" ? "" : ` lot ${p.lot}`} at ${p.location} is negative (${p.qty})`,
          value: p.qty,
          limit: 0,
          raisedAt: input.at,
        },
      });
    } else if (p.qty >= 0 && active(key)) {
      clear(key);
    }
  }
  for (const t of input.totals) {
    const rule = input.rules.get(t.sku);
    if (rule?.reorderPoint === undefined) continue;
    const key = lowStockKey(t.sku, t.location);
    if (t.qty < rule.reorderPoint && !active(key)) {
      const suggested = suggestedOrderQty(rule, t.qty);
      causes.push({
        state: "raised",
        at: input.at,
        alert: {
          id: input.newId(),
          dedupKey: key,
          kind: "LOW_STOCK",
          severity: "warning",
          status: "open",
          siteId: siteOf(t.location),
          location: t.location,
          sku: t.sku,
          message: `${t.sku} at ${t.location}: ${t.qty} below reorder point ${rule.reorderPoint}; order ${suggested}`,
          value: t.qty,
          limit: rule.reorderPoint,
          suggestedOrderQty: suggested,
          raisedAt: input.at,
        },
      });
    } else if (t.qty >= rule.reorderPoint && active(key)) {
      clear(key);
    }
  }
  return causes;
}

/** The site segment of a `SITE/ZONE/BIN` code. */
export function siteOf(location: string): string {
  return location.split("/")[0] ?? location;
}

/** Zone kinds whose positions are stock on hand for replenishment (not docks, staging or quarantine). */
export const REPLENISHED_ZONE_KINDS: ReadonlySet<string> = new Set(["storage", "picking"]);
