import type { CorrectionTask, Movement, SerialRecord } from "@tally/protocols";
import type { Alert } from "../alerts/alert.js";
import { negativeStockTasks } from "../ledger/negative-stock-tasks.js";
import { positionDeltas } from "../ledger/position-deltas.js";
import type { ItemRule } from "../ledger/stock-rules.js";
import { ANY_LIVE_STOCK_ALERT, type SqlAlertStore } from "./sql-alert-store.js";
import { type Column, type InsertSpec, num, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { stockAlerts } from "./sql-stock-alerts.js";

const POSITION_COLUMNS: readonly Column[] = [
  { name: "sku", type: "text" },
  { name: "location", type: "text" },
  { name: "lot", type: "text" },
  { name: "qty", type: "bigint" },
];
const SERIAL_COLUMNS: readonly Column[] = [
  { name: "epc", type: "text" },
  { name: "sku", type: "text" },
  { name: "location", type: "text" },
  { name: "lot", type: "text" },
  { name: "status", type: "text" },
  { name: "last_movement_id", type: "text" },
  { name: "last_seen_at", type: "timestamptz" },
];

/**
 * Serials, positions and stock alerts of the batch's applied movements (adds the alerts people may see to
 * `alerts`, and a COUNT_MISMATCH task for each negative stock it raised to `tasks`).
 */
export async function applyMovements(
  tx: SqlDb,
  driver: SqlDriver,
  alerting: SqlAlertStore,
  movements: readonly Movement[],
  rules: ReadonlyMap<string, ItemRule>,
  now: string,
  alerts: Alert[],
  tasks: CorrectionTask[],
): Promise<void> {
  // One statement on PostgreSQL (serials as a WITH before positions); the positions upsert also tells whether
  // any stock alert is open: one round trip, not three.
  const returned = await tx.insertRows<{
    sku: string;
    location: string;
    lot: string;
    qty: unknown;
    stock_alerts_open: unknown;
  }>(
    "positions",
    POSITION_COLUMNS,
    positionDeltas(movements).map((d) => [d.sku, d.location, d.lot, d.qty]),
    {
      suffix: `ON CONFLICT (sku, location, lot) DO UPDATE SET qty = positions.qty + excluded.qty
        RETURNING sku, location, lot, qty, ${ANY_LIVE_STOCK_ALERT} AS stock_alerts_open`,
      before: serialUpserts(driver, movements),
    },
  );
  const touched = returned.map((r) => ({ sku: r.sku, location: r.location, lot: r.lot, qty: num(r.qty) }));
  const anyOpen = returned.some((r) => r.stock_alerts_open === true || num(r.stock_alerts_open) === 1);
  const raised = await stockAlerts(tx, alerting, { touched, anyOpen, rules, now }, alerts);
  tasks.push(...negativeStockTasks(raised, movements));
}

/**
 * The serial registry's upsert for a batch: it keeps each EPC's latest movement by (occurredAt, id), so a
 * late event never moves it back. Undefined when no movement has an EPC.
 */
function serialUpserts(driver: SqlDriver, movements: readonly Movement[]): InsertSpec | undefined {
  const latest = new Map<string, { m: Movement; at: string }>();
  for (const m of movements) {
    if (m.epc === undefined) continue;
    const at = driver.timestamp(m.occurredAt);
    const seen = latest.get(m.epc);
    if (seen === undefined || compareTime(at, m.id, seen.at, seen.m.id) > 0) latest.set(m.epc, { m, at });
  }
  if (latest.size === 0) return undefined;
  const rows = [...latest.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([epc, { m, at }]) => [epc, m.sku, m.to ?? null, m.lot ?? "", serialStatus(m), m.id, at]);
  return {
    table: "serials",
    columns: SERIAL_COLUMNS,
    rows,
    options: {
      suffix: `ON CONFLICT (epc) DO UPDATE SET sku = excluded.sku, location = excluded.location, lot = excluded.lot,
         status = excluded.status, last_movement_id = excluded.last_movement_id, last_seen_at = excluded.last_seen_at
       WHERE (excluded.last_seen_at, excluded.last_movement_id) > (serials.last_seen_at, serials.last_movement_id)`,
    },
  };
}

function compareTime(atA: string, idA: string, atB: string, idB: string): number {
  // Two UTC timestamps of the same form compare as text; others (offsets, PostgreSQL) as instants.
  const sameForm = atA.length === atB.length && atA.endsWith("Z") && atB.endsWith("Z");
  const order = sameForm ? (atA < atB ? -1 : atA > atB ? 1 : 0) : Date.parse(atA) - Date.parse(atB);
  if (order !== 0) return order;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

function serialStatus(m: Movement): SerialRecord["status"] {
  if (m.to !== undefined) return "in_stock";
  return m.movementType === "SHIPMENT" ? "shipped" : "removed";
}
