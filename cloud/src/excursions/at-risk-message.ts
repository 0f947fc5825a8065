import type { ExcursionRecord, StockAtRisk } from "./excursion-record.js";
import { lotsAtRisk } from "./stock-at-risk.js";

/** Lots named in an alert's message, at most: the rest are counted ("and 3 more"); the API lists them all. */
const NAMED_LOTS = 20;

/**
 * The TEMPERATURE_EXCURSION alert's message: what happened, then the lots at
 * risk, e.g. "temp-1 above 8 °C from 2026-…Z (peak 11.5 °C) — at risk: PEAS lot L1 ×24, BEANS ×3".
 */
export function atRiskMessage(record: ExcursionRecord, stock: readonly StockAtRisk[]): string {
  const where = record.location !== undefined ? ` at ${record.location}` : "";
  const span =
    record.endedAt !== undefined ? `from ${record.startedAt} to ${record.endedAt}` : `since ${record.startedAt}`;
  const head = `${record.deviceId}${where} ${record.side} ${record.limit} °C ${span} (peak ${record.peak} °C)`;
  const lots = lotsAtRisk(stock);
  if (lots.length === 0) return `${head} — no stock at risk`;
  const named = lots
    .slice(0, NAMED_LOTS)
    .map((l) => `${l.sku}${l.lot !== undefined ? ` lot ${l.lot}` : ""} ×${l.quantity}`);
  const more = lots.length > NAMED_LOTS ? `, and ${lots.length - NAMED_LOTS} more` : "";
  return `${head} — at risk: ${named.join(", ")}${more}`;
}
