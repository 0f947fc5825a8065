import { canonicalMovement, contentHash } from "../ledger/canonical-json.js";
import { movementFromStored, type StoredMovementColumns } from "../ledger/stored-movement.js";
import { selectInChunks } from "./sql-chunks.js";
import { json, type SqlDb } from "./sql-driver.js";
import { MOVEMENT_COLUMNS, MOVEMENT_FROM } from "./sql-movement-rows.js";

/** Content hashes of the ids found in `table` (events). */
export async function hashesIn(tx: SqlDb, table: "events", ids: readonly string[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const rows = await selectInChunks([...new Set(ids)], (chunk) => {
    const ids = tx.inList("id", chunk);
    return tx.all<{ id: string; hash: string }>(`SELECT id, hash FROM ${table} WHERE ${ids.sql}`, ids.params);
  });
  for (const row of rows) hashes.set(row.id, row.hash);
  return hashes;
}

/** Content hashes of the ids found in movements: from the stored body (older rows keep a hash in events). */
export async function movementHashes(tx: SqlDb, ids: readonly string[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const rows = await selectInChunks([...new Set(ids)], (chunk) => {
    const ids = tx.inList("m.id", chunk);
    return tx.all<StoredMovementColumns & { body: unknown; hash: string | null }>(
      `SELECT ${MOVEMENT_COLUMNS}, m.body, e.hash FROM ${MOVEMENT_FROM} WHERE ${ids.sql}`,
      ids.params,
    );
  });
  for (const row of rows) {
    // The movement put together again from its columns and body, in whatever key order: canonical here.
    const body = row.body === null ? undefined : canonicalMovement(movementFromStored(row, json(row.body)));
    const hash = body !== undefined ? contentHash(body) : row.hash;
    if (hash !== null) hashes.set(row.id, hash);
  }
  return hashes;
}
