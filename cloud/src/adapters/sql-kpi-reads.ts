import type { CountRecord } from "../ledger/ledger-store.js";
import { iso, num, type SqlDb, type SqlDriver } from "./sql-driver.js";

/** The latest `limit` cycle counts, oldest first, each with the ledger's balance there at the count's time. */
export async function countRecords(driver: SqlDriver, limit: number): Promise<CountRecord[]> {
  const rows = await driver.read.all<{
    sku: string;
    location: string;
    value: unknown;
    occurred_at: unknown;
  }>("SELECT sku, location, value, occurred_at FROM counts ORDER BY seq DESC LIMIT ?", [limit]);
  const out: CountRecord[] = [];
  for (const r of rows.reverse()) {
    const sku = r.sku;
    const at = driver.timestamp(iso(r.occurred_at));
    const balance = await driver.read.all<{ qty: unknown }>(
      `SELECT COALESCE(SUM(CASE WHEN to_location = ? THEN qty ELSE 0 END), 0)
              - COALESCE(SUM(CASE WHEN from_location = ? THEN qty ELSE 0 END), 0) AS qty
         FROM movements WHERE sku = ? AND (to_location = ? OR from_location = ?) AND occurred_at <= ?`,
      [r.location, r.location, sku, r.location, r.location, at],
    );
    out.push({
      sku,
      location: r.location,
      counted: num(r.value),
      occurredAt: iso(r.occurred_at),
      recorded: num(balance[0]?.qty ?? 0),
    });
  }
  return out;
}

/** Seconds from each of the latest `limit` tagged receipts to its tag's first putaway (those put away). */
export async function dockToStockSeconds(read: SqlDb, limit: number): Promise<number[]> {
  const rows = await read.all<{ received: unknown; stored: unknown }>(
    `SELECT r.occurred_at AS received,
         (SELECT MIN(p.occurred_at) FROM movements p
           WHERE p.epc = r.epc AND p.movement_type = 'PUTAWAY' AND p.occurred_at >= r.occurred_at) AS stored
       FROM movements r WHERE r.epc IS NOT NULL AND r.movement_type = 'RECEIPT' ORDER BY r.seq DESC LIMIT ?`,
    [limit],
  );
  return rows
    .filter((r) => r.stored !== null)
    .map((r) => (Date.parse(iso(r.stored)) - Date.parse(iso(r.received))) / 1000);
}
