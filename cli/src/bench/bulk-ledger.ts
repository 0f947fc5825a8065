import BetterSqlite3 from "better-sqlite3";
import pg from "pg";

/**
 * Fills an empty, migrated ledger with `count` movements in one statement
 * (a recursive CTE on SQLite, `generate_series` on PostgreSQL): seconds for
 * a million, where commits would take minutes. A warehouse-like flow in
 * groups of four (receipt at a dock door, putaway, transfer, pick), one
 * second apart, over 4 sites (`S0`…`S3`), 8 zones a site (`Z0`…`Z7`), 200
 * bins a zone, 1,000 SKUs (`SKU-0`…), every third group with a lot and every
 * other one a serialised unit with its EPC; a pick takes one unit and
 * leaves the rest of the group in its last bin; positions are the sum of the
 * legs, as commits would leave them. The movement indexes are dropped while
 * the rows go in and made again from their own definitions (one sort each).
 */
export interface BulkLedger {
  movements: number;
}

/** The id of the `i`-th bulk movement (from 0): a UUID, in the order of `i`. */
export function bulkId(i: number): string {
  return `00000000-0000-7000-8000-${String(i).padStart(12, "0")}`;
}

/** The EPC of the bulk movements of group `g` (rows 4g…4g+3), when the group is serialised (even `g`). */
export function bulkEpc(g: number): string {
  return `urn:epc:id:sgtin:0614141.812345.${g}`;
}

/**
 * The same row values in both dialects: `i` is the row number from 0, `g` its group. A SKU (`g % 1000`) stays at
 * one site and a few bins, as goods keep their places: some 40,000 positions.
 */
const shape = (concat: (...parts: string[]) => string) => ({
  site: concat("'S'", "(g % 4)"),
  zoneA: concat("'/Z'", "(g % 1000 % 8)"),
  zoneB: concat("'/Z'", "(g % 1000 / 8 % 8)"),
  binA: concat("'/B'", "(g % 1000 * 7 % 200 + g / 1000 % 3)"),
  binB: concat("'/B'", "(g % 1000 * 13 % 200)"),
});

const TYPE = "CASE k WHEN 0 THEN 'RECEIPT' WHEN 1 THEN 'PUTAWAY' WHEN 2 THEN 'TRANSFER' ELSE 'PICK' END";
/** What the columns of these movements do not hold (`storedBody`): the same for every one. */
const BODY = JSON.stringify({ evidence: { deviceId: "bulk-portal", observationIds: [] }, confidence: 1 });
/** 2026-01-01T00:00:00Z, in seconds. */
const START_S = 1_767_225_600;

function legs(site: string, a: string, b: string): { from: string; to: string } {
  const dock = `${site} || '/DOCK/D1'`;
  return {
    from: `CASE k WHEN 0 THEN NULL WHEN 1 THEN ${dock} WHEN 2 THEN ${a} ELSE ${b} END`,
    to: `CASE k WHEN 0 THEN ${dock} WHEN 1 THEN ${a} WHEN 2 THEN ${b} ELSE NULL END`,
  };
}

/** Other events the ledger keeps (telemetry ids and hashes, tasks, conditions): one for every ten movements. */
const EVENTS = (rows: string, padded: string) => `INSERT INTO events
  (id, kind, site_id, edge_id, batch_id, batch_seq, hash, body, occurred_at, committed_at)
  SELECT '00000000-0000-7000-9000-' || ${padded}, 'telemetry', 'S' || (i % 4), 'bulk-edge',
    'bulk-batch', i, 'bulk-hash', '{}', at, at FROM ${rows}`;

const POSITIONS_FROM_LEGS = `INSERT INTO positions (sku, location, lot, qty)
  SELECT sku, location, lot, SUM(delta) FROM (
    SELECT sku, to_location AS location, lot, qty AS delta FROM movements WHERE to_location IS NOT NULL
    UNION ALL
    SELECT sku, from_location AS location, lot, -qty AS delta FROM movements WHERE from_location IS NOT NULL
  ) AS legs GROUP BY sku, location, lot`;

/** Fills the SQLite ledger file at `file` (migrated, with no movements, and no other connection open to it). */
export function fillSqliteLedger(file: string, count: number): BulkLedger {
  const db = new BetterSqlite3(file);
  // A throwaway bulk load: sorts for the indexes in memory, no waiting for the disk.
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -524288");
  db.pragma("temp_store = MEMORY");
  try {
    const s = shape((...p) => p.join(" || "));
    const a = `site || ${s.zoneA} || ${s.binA}`;
    const b = `site || ${s.zoneB} || ${s.binB}`;
    const { from, to } = legs("site", a, b);
    const indexes = db
      .prepare<[], { name: string; sql: string }>(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'movements' AND sql IS NOT NULL",
      )
      .all();
    db.transaction(() => {
      const [row] = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM movements").all();
      if ((row?.n ?? 0) > 0) throw new Error("fillSqliteLedger wants a ledger without movements");
      for (const index of indexes) db.exec(`DROP INDEX ${index.name}`);
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
         INSERT INTO movements (id, site_id, movement_type, sku, qty, from_location, to_location, lot, occurred_at, epc, body)
         SELECT printf('00000000-0000-7000-8000-%012d', i), site, ${TYPE}, 'SKU-' || (g % 1000),
           CASE WHEN k = 3 OR g % 2 = 0 THEN 1 ELSE 2 + g % 5 END, ${from}, ${to},
           CASE WHEN g % 3 = 0 THEN 'L' || (g % 7) ELSE '' END,
           strftime('%Y-%m-%dT%H:%M:%fZ', ? + i, 'unixepoch'),
           CASE WHEN g % 2 = 0 THEN 'urn:epc:id:sgtin:0614141.812345.' || g END, ?
         FROM (SELECT i, k, g, ${s.site} AS site FROM (SELECT i, i % 4 AS k, i / 4 AS g FROM n) AS numbered) AS rows`,
      ).run(count, START_S, BODY);
      for (const index of indexes) db.exec(index.sql);
      db.exec(POSITIONS_FROM_LEGS);
      db.prepare(
        EVENTS(
          `(WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
          SELECT i, strftime('%Y-%m-%dT%H:%M:%fZ', ? + i * 10, 'unixepoch') AS at FROM n) AS rows`,
          "printf('%012d', i)",
        ),
      ).run(Math.ceil(count / 10), START_S);
    })();
    db.pragma("journal_mode = WAL");
  } finally {
    db.close();
  }
  return { movements: count };
}

/** Fills the PostgreSQL ledger at `url` (migrated, with no movements), then ANALYZE for realistic statistics. */
export async function fillPostgresLedger(url: string, count: number): Promise<BulkLedger> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const s = shape((...p) => p.join(" || "));
    const a = `site || ${s.zoneA} || ${s.binA}`;
    const b = `site || ${s.zoneB} || ${s.binB}`;
    const { from, to } = legs("site", a, b);
    await client.query("BEGIN");
    const existing = await client.query<{ n: string }>("SELECT COUNT(*) AS n FROM movements");
    if (Number(existing.rows[0]?.n ?? 0) > 0) throw new Error("fillPostgresLedger wants a ledger without movements");
    // Indexes that back no constraint (the primary key and the unique id stay).
    const indexes = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
       WHERE i.tablename = 'movements' AND i.schemaname = current_schema()
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    );
    for (const index of indexes.rows) await client.query(`DROP INDEX ${index.indexname}`);
    await client.query(
      `INSERT INTO movements (id, site_id, movement_type, sku, qty, from_location, to_location, lot, occurred_at, epc, body)
       SELECT '00000000-0000-7000-8000-' || lpad(i::text, 12, '0'), site, ${TYPE}, 'SKU-' || (g % 1000),
         CASE WHEN k = 3 OR g % 2 = 0 THEN 1 ELSE 2 + g % 5 END, ${from}, ${to},
         CASE WHEN g % 3 = 0 THEN 'L' || (g % 7) ELSE '' END,
         to_timestamp($2::bigint + i),
         CASE WHEN g % 2 = 0 THEN 'urn:epc:id:sgtin:0614141.812345.' || g END, $3::jsonb
       FROM (SELECT i, k, g, ${s.site} AS site
         FROM (SELECT i, i % 4 AS k, i / 4 AS g FROM generate_series(0, $1::bigint - 1) AS i) AS numbered) AS rows`,
      [count, START_S, BODY],
    );
    for (const index of indexes.rows) await client.query(index.indexdef);
    await client.query(POSITIONS_FROM_LEGS);
    await client.query(
      EVENTS(
        `(SELECT i, to_timestamp($2::bigint + i * 10) AS at FROM generate_series(0, $1::bigint - 1) AS i) AS rows`,
        "lpad(i::text, 12, '0')",
      ),
      [Math.ceil(count / 10), START_S],
    );
    await client.query("COMMIT");
    await client.query("ANALYZE");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return { movements: count };
}
