import { type HistoryEntry, type Movement, MovementType, type SerialRecord, SerialStatus } from "@tally/protocols";
import {
  DEFAULT_MOVEMENT_LIMIT,
  type HistoryQuery,
  MAX_MOVEMENT_LIMIT,
  MAX_PAGE_LIMIT,
  type MovementQuery,
  type Position,
  type StockQuery,
  type StockTotals,
} from "../ledger/ledger-store.js";
import { locationWithin } from "./location-within.js";
import { iso, num, type SqlDriver } from "./sql-driver.js";
import { MOVEMENT_FROM, MOVEMENT_SELECT, type MovementRow, readMovement } from "./sql-movement-rows.js";
import { addLimit } from "./sql-paging.js";

/**
 * The ledger's reads of stock and movements on SQL: positions and their
 * totals, movement pages, stock history with running balances, the serial
 * registry. Every query is served by an index (the 1M-movement plan test
 * checks them); all run on the driver's reader connection.
 */
export class SqlLedgerReads {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  async stock(query: StockQuery = {}): Promise<Position[]> {
    const { where, params } = this.#stockFilter(query);
    const c = this.#driver.collate;
    if (query.after !== undefined) {
      const { sku, location, lot } = query.after;
      where.push(`(sku${c} > ? OR (sku = ? AND (location${c} > ? OR (location = ? AND lot${c} > ?))))`);
      params.push(sku, sku, location, location, lot);
    }
    const limit = addLimit(params, query.limit);
    const rows = await this.#driver.read.all<{ sku: string; location: string; lot: string; qty: unknown }>(
      `SELECT sku, location, lot, qty FROM positions WHERE ${where.join(" AND ")}
       ORDER BY sku${c}, location${c}, lot${c}${limit}`,
      params,
    );
    return rows.map((r) => ({ sku: r.sku, location: r.location, lot: r.lot, qty: num(r.qty) }));
  }

  async stockTotals(query: StockQuery, skus: readonly string[]): Promise<StockTotals> {
    const { where, params } = this.#stockFilter(query);
    const [all] = await this.#driver.read.all<{ n: unknown; qty: unknown }>(
      `SELECT COUNT(*) AS n, COALESCE(SUM(qty), 0) AS qty FROM positions WHERE ${where.join(" AND ")}`,
      params,
    );
    const wanted = [...new Set(skus)].slice(0, MAX_PAGE_LIMIT);
    const bySku =
      wanted.length === 0
        ? []
        : await this.#driver.read.all<{ sku: string; qty: unknown }>(
            `SELECT sku, SUM(qty) AS qty FROM positions
             WHERE ${where.join(" AND ")} AND sku IN (${wanted.map(() => "?").join(", ")})
             GROUP BY sku ORDER BY sku${this.#driver.collate}`,
            [...params, ...wanted],
          );
    return {
      totalQty: num(all?.qty ?? 0),
      positions: num(all?.n ?? 0),
      bySku: bySku.map((r) => ({ sku: r.sku, qty: num(r.qty) })),
    };
  }

  #stockFilter(query: StockQuery): { where: string[]; params: unknown[] } {
    const where = ["qty <> 0"];
    const params: unknown[] = [];
    const c = this.#driver.collate;
    if (query.siteId !== undefined) {
      const within = locationWithin("location", `${query.siteId}/`, c);
      where.push(within.sql);
      params.push(...within.params);
    }
    if (query.sku !== undefined) {
      where.push("sku = ?");
      params.push(query.sku);
    }
    if (query.locationPrefix !== undefined) {
      const within = locationWithin("location", query.locationPrefix, c);
      where.push(within.sql);
      params.push(...within.params);
    }
    if (query.zone !== undefined) {
      // Codes are SITE/ZONE/BIN with no '/' inside a segment: the zone is what sits between the two slashes.
      where.push("location LIKE ? ESCAPE '\\'");
      params.push(`%/${escapeLike(query.zone)}/%`);
    }
    if (query.lot !== undefined) {
      where.push("lot = ?");
      params.push(query.lot);
    }
    return { where, params };
  }

  async movements(query: MovementQuery = {}): Promise<Movement[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    // With a selective filter (a SKU, an EPC, a location), site and type only sift what its index finds: written
    // so no index serves them, or SQLite, which keeps no statistics, may walk a site's or a type's whole range.
    const narrow = query.sku !== undefined || query.epc !== undefined || query.location !== undefined;
    const sift = (column: string) => (narrow ? `${column} || '' = ?` : `${column} = ?`);
    if (query.siteId !== undefined) {
      where.push(sift("m.site_id"));
      params.push(query.siteId);
    }
    if (query.sku !== undefined) {
      where.push("m.sku = ?");
      params.push(query.sku);
    }
    if (query.movementType !== undefined) {
      where.push(sift("m.movement_type"));
      params.push(query.movementType);
    }
    if (query.epc !== undefined) {
      where.push("m.epc = ?");
      params.push(query.epc);
    }
    // Always a bound on seq, so the read with no filter walks the primary key from the cursor (or the start).
    if (query.after !== undefined) {
      where.push("m.seq > COALESCE((SELECT seq FROM movements WHERE id = ?), 0)");
      params.push(query.after);
    } else where.push("m.seq > 0");
    const limit = Math.min(query.limit ?? DEFAULT_MOVEMENT_LIMIT, MAX_MOVEMENT_LIMIT);
    if (query.location === undefined) {
      const rows = await this.#driver.read.all<MovementRow>(
        `SELECT ${MOVEMENT_SELECT} FROM ${MOVEMENT_FROM} WHERE ${where.join(" AND ")} ORDER BY m.seq LIMIT ?`,
        [...params, limit],
      );
      return rows.map(readMovement);
    }
    // From or to a location: an OR of two columns is no index walk in seq order; each column's own index is,
    // so each side takes its first `limit` and the page is the first `limit` of both.
    const c = this.#driver.collate;
    const side = (column: string) =>
      `SELECT seq FROM (SELECT m.seq FROM movements m WHERE m.${column}${c} = ? AND ${where.join(" AND ")}
       ORDER BY m.seq LIMIT ?) AS ${column}_side`;
    const rows = await this.#driver.read.all<MovementRow>(
      `SELECT ${MOVEMENT_SELECT} FROM ${MOVEMENT_FROM}
       WHERE m.seq IN (${side("from_location")} UNION ${side("to_location")}) ORDER BY m.seq LIMIT ?`,
      [query.location, ...params, limit, query.location, ...params, limit, limit],
    );
    return rows.map(readMovement);
  }

  async commitTimes(ids: readonly string[]): Promise<Map<string, string>> {
    const times = new Map<string, string>();
    if (ids.length === 0) return times;
    const list = this.#driver.read.inList("m.id", ids);
    // Rows since migration 7 name their commit; older ones keep the time on the row (or, held ones, in events).
    const rows = await this.#driver.read.all<{ id: string; committed_at: unknown }>(
      `SELECT m.id, COALESCE(c.committed_at, m.committed_at, e.committed_at) AS committed_at
       FROM movements m LEFT JOIN commits c ON c.seq = m.commit_seq LEFT JOIN events e ON e.id = m.id
       WHERE ${list.sql}`,
      list.params,
    );
    for (const row of rows) if (row.committed_at !== null) times.set(row.id, iso(row.committed_at));
    return times;
  }

  async movement(id: string): Promise<Movement | undefined> {
    const rows = await this.#driver.read.all<MovementRow>(
      `SELECT ${MOVEMENT_SELECT} FROM ${MOVEMENT_FROM} WHERE m.id = ?`,
      [id],
    );
    const row = rows[0];
    return row === undefined ? undefined : readMovement(row);
  }

  async history(query: HistoryQuery): Promise<HistoryEntry[]> {
    const c = this.#driver.collate;
    const limit = Math.min(query.limit ?? DEFAULT_MOVEMENT_LIMIT, MAX_MOVEMENT_LIMIT);
    /** The query's location and lot filters on a leg's location column. */
    const filters = (column: string) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.locationPrefix !== undefined) {
        const within = locationWithin(column, query.locationPrefix, c);
        where.push(within.sql);
        params.push(...within.params);
      }
      if (query.lot !== undefined) {
        where.push("lot = ?");
        params.push(query.lot);
      }
      return { sql: where.map((w) => ` AND ${w}`).join(""), params };
    };
    const ins = filters("to_location");
    const outs = filters("from_location");
    const held = filters("location");
    // Ordered by occurredAt, then id: a late event lands in its place, and
    // the order does not depend on arrival. Out-legs before in-legs at a tie.
    // Only the latest `limit` legs are read (each side walks the SKU's time
    // index backwards and stops); a balance counts every earlier leg, which
    // is the stock now (positions: the sum of every leg, kept in the same
    // transactions) less the legs after it, all of which are on the page.
    const order = "occurred_at, id, delta";
    const rows = await this.#driver.read.all<{
      id: string;
      occurred_at: unknown;
      movement_type: string;
      location: string;
      lot: string;
      delta: unknown;
      balance: unknown;
    }>(
      `WITH latest AS (
         SELECT * FROM (
           SELECT id, occurred_at, movement_type, to_location AS location, lot, qty AS delta FROM movements
           WHERE sku = ? AND to_location IS NOT NULL${ins.sql} ORDER BY occurred_at DESC, id DESC LIMIT ?) AS ins
         UNION ALL
         SELECT * FROM (
           SELECT id, occurred_at, movement_type, from_location AS location, lot, -qty AS delta FROM movements
           WHERE sku = ? AND from_location IS NOT NULL${outs.sql} ORDER BY occurred_at DESC, id DESC LIMIT ?) AS outs
       ), page AS (
         SELECT * FROM latest ORDER BY occurred_at DESC, id DESC, delta DESC LIMIT ?
       ), stock AS (
         SELECT COALESCE(SUM(qty), 0) AS qty FROM positions WHERE sku = ?${held.sql}
       )
       SELECT id, occurred_at, movement_type, location, lot, delta,
         stock.qty - SUM(delta) OVER () + SUM(delta) OVER (ORDER BY ${order} ROWS UNBOUNDED PRECEDING) AS balance
       FROM page CROSS JOIN stock ORDER BY ${order}`,
      [query.sku, ...ins.params, limit, query.sku, ...outs.params, limit, limit, query.sku, ...held.params],
    );
    return rows.map((r) => ({
      movementId: r.id,
      occurredAt: iso(r.occurred_at),
      movementType: MovementType.parse(r.movement_type),
      location: r.location,
      lot: r.lot,
      delta: num(r.delta),
      balance: num(r.balance),
    }));
  }

  async serial(epc: string): Promise<SerialRecord | undefined> {
    const rows = await this.#driver.read.all<{
      epc: string;
      sku: string;
      location: string | null;
      lot: string;
      status: string;
      last_movement_id: string;
      last_seen_at: unknown;
    }>("SELECT epc, sku, location, lot, status, last_movement_id, last_seen_at FROM serials WHERE epc = ?", [epc]);
    const row = rows[0];
    if (row === undefined) return undefined;
    const record: SerialRecord = {
      epc: row.epc,
      sku: row.sku,
      lot: row.lot,
      status: SerialStatus.parse(row.status),
      lastMovementId: row.last_movement_id,
      lastSeenAt: iso(row.last_seen_at),
    };
    if (row.location !== null) record.location = row.location;
    return record;
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
