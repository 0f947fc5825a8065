import { Movement } from "@tally/protocols";
import { movementFromStored, type StoredMovementColumns } from "../ledger/stored-movement.js";
import { json } from "./sql-driver.js";

/**
 * A movement as stored: its columns and body (`movementFromStored`). `COALESCE` covers rows from before
 * migration 4, whose whole body is in events.
 */
export const MOVEMENT_COLUMNS =
  "m.id, m.site_id, m.movement_type, m.sku, m.qty, m.from_location, m.to_location, m.lot, m.occurred_at, m.epc, m.sscc";
export const MOVEMENT_SELECT = `${MOVEMENT_COLUMNS}, COALESCE(m.body, e.body) AS body`;
export const MOVEMENT_FROM = "movements m LEFT JOIN events e ON m.body IS NULL AND e.id = m.id";
export type MovementRow = StoredMovementColumns & { body: unknown };
export const readMovement = (row: MovementRow): Movement => Movement.parse(movementFromStored(row, json(row.body)));
