import type { Alert } from "../alerts/alert.js";
import { closeExcursion, type ExcursionFact, mergeExcursion } from "../excursions/excursion-from-condition.js";
import { ExcursionRecord } from "../excursions/excursion-record.js";
import type {
  ExcursionPolicy,
  ExcursionQuery,
  ExcursionStore,
  RecordedExcursion,
} from "../excursions/excursion-store.js";
import { type ZoneMovement, zonePrefix } from "../excursions/stock-at-risk.js";
import { canonicalJson } from "../ledger/canonical-json.js";
import { ALERT_COLUMNS, type AlertRow, alertFromRow } from "./alert-row.js";
import { locationWithin } from "./location-within.js";
import { iso, json, num, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { addLimit, addSeqCursor } from "./sql-paging.js";

interface ExcursionRow {
  body: unknown;
}

interface MovementRow {
  sku: string;
  qty: number | string;
  from_location: string | null;
  to_location: string | null;
  lot: string;
  epc: string | null;
  occurred_at: unknown;
}

/** Excursion records and the ledger reads stock at risk needs, on the ledger's database (SQLite or PostgreSQL). */
export class SqlExcursionStore implements ExcursionStore {
  readonly #driver: SqlDriver;
  #policy: ExcursionPolicy = { holdOnClose: false };

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  get policy(): ExcursionPolicy {
    return this.#policy;
  }

  usePolicy(policy: ExcursionPolicy): void {
    this.#policy = policy;
  }

  async record(fact: ExcursionFact): Promise<RecordedExcursion | undefined> {
    return this.#driver.write(async (tx) => {
      if (fact.kind === "record") {
        await tx.lockKeys([fact.record.id]);
        const stored = await this.#byId(tx, fact.record.id, this.#driver.forUpdate);
        const merged = mergeExcursion(stored, fact.record);
        const changed = stored === undefined || canonicalJson(stored) !== canonicalJson(merged);
        if (changed) await this.#write(tx, merged, stored === undefined);
        if (merged.status === "closed" && merged.endedAt !== undefined) {
          await this.#closeEarlierOpen(tx, merged.siteId, merged.deviceId, merged.startedAt, merged.endedAt);
        }
        return { record: merged, changed };
      }
      // A clear from an edge that sends no record: it ends the device's latest open excursion.
      await tx.lockKeys([`excursion-device:${fact.siteId}:${fact.deviceId}`]);
      const rows = await tx.all<ExcursionRow>(
        `SELECT body FROM excursions WHERE site_id = ? AND device_id = ? AND status = 'open' AND started_at <= ?
         ORDER BY started_at DESC LIMIT 1${this.#driver.forUpdate}`,
        [fact.siteId, fact.deviceId, utc(fact.endedAt)],
      );
      const open = rows[0] === undefined ? undefined : fromRow(rows[0]);
      if (open === undefined) return undefined;
      const closed = closeExcursion(open, fact.endedAt);
      await this.#write(tx, closed, false);
      return { record: closed, changed: true };
    });
  }

  /**
   * An edge that crashed in an excursion replays only the last minutes of its journal, so it starts the
   * excursion again with a later `startedAt` (another record) and the first record would stay open for
   * ever. The device had one sensor state: when a later excursion of it closes, every earlier one still
   * open ended no later than that, and is closed at the same time.
   */
  async #closeEarlierOpen(tx: SqlDb, siteId: string, deviceId: string, before: string, endedAt: string) {
    await tx.lockKeys([`excursion-device:${siteId}:${deviceId}`]);
    const rows = await tx.all<ExcursionRow>(
      `SELECT body FROM excursions WHERE site_id = ? AND device_id = ? AND status = 'open' AND started_at < ?
       ORDER BY started_at LIMIT 100${this.#driver.forUpdate}`,
      [siteId, deviceId, utc(before)],
    );
    for (const row of rows) await this.#write(tx, closeExcursion(fromRow(row), endedAt), false);
  }

  async get(id: string): Promise<ExcursionRecord | undefined> {
    return this.#byId(this.#driver.read, id);
  }

  async list(query: ExcursionQuery = {}): Promise<ExcursionRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const filter = (sql: string, value: unknown) => {
      where.push(sql);
      params.push(value);
    };
    if (query.siteId !== undefined) filter("site_id = ?", query.siteId);
    if (query.zone !== undefined) filter("zone = ?", query.zone);
    if (query.deviceId !== undefined) filter("device_id = ?", query.deviceId);
    if (query.status !== undefined) filter("status = ?", query.status);
    if (query.from !== undefined) filter("started_at >= ?", utc(query.from));
    if (query.to !== undefined) filter("started_at < ?", utc(query.to));
    addSeqCursor(where, params, "excursions", query.after);
    const filters = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
    const sql = `SELECT body FROM excursions${filters} ORDER BY seq${addLimit(params, query.limit)}`;
    return (await this.#driver.read.all<ExcursionRow>(sql, params)).map(fromRow);
  }

  async zoneMovements(siteId: string, zone: string, until: string): Promise<ZoneMovement[]> {
    // Each location column's index gives the zone's rows in range (migration 23, decision 0161); their union is
    // the movements from or to the zone, filtered in the database so only those rows come back (decision 0139).
    const prefix = zonePrefix(siteId, zone);
    const c = this.#driver.collate;
    const at = this.#driver.timestamp(utc(until));
    const side = (column: string) => {
      const within = locationWithin(column, prefix, c);
      return {
        // The site only sifts what the location index finds (the zone's codes start with it anyway).
        sql: `SELECT seq FROM movements WHERE ${within.sql} AND site_id || '' = ? AND occurred_at <= ?`,
        params: [...within.params, siteId, at],
      };
    };
    const from = side("from_location");
    const to = side("to_location");
    const rows = await this.#driver.read.all<MovementRow>(
      `SELECT sku, qty, from_location, to_location, lot, epc, occurred_at FROM movements
       WHERE seq IN (${from.sql} UNION ${to.sql}) ORDER BY seq`,
      [...from.params, ...to.params],
    );
    return rows.map((row) => ({
      sku: row.sku,
      qty: num(row.qty),
      occurredAt: iso(row.occurred_at),
      ...(row.from_location !== null && { from: row.from_location }),
      ...(row.to_location !== null && { to: row.to_location }),
      ...(row.lot !== "" && { lot: row.lot }),
      ...(row.epc !== null && { epc: row.epc }),
    }));
  }

  async setAlertMessage(alertId: string, message: string): Promise<Alert | undefined> {
    return this.#driver.write(async (tx) => {
      const changed = await tx.run("UPDATE alerts SET message = ? WHERE id = ? AND message <> ?", [
        message,
        alertId,
        message,
      ]);
      if (changed === 0) return undefined;
      const rows = await tx.all<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ?`, [alertId]);
      return rows[0] === undefined ? undefined : alertFromRow(rows[0]);
    });
  }

  async #byId(db: SqlDb, id: string, forUpdate = ""): Promise<ExcursionRecord | undefined> {
    const rows = await db.all<ExcursionRow>(`SELECT body FROM excursions WHERE id = ?${forUpdate}`, [id]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  async #write(tx: SqlDb, record: ExcursionRecord, isNew: boolean): Promise<void> {
    const body = JSON.stringify(record);
    if (isNew) {
      await tx.run(
        "INSERT INTO excursions (id, site_id, device_id, zone, status, started_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [record.id, record.siteId, record.deviceId, record.zone ?? null, record.status, utc(record.startedAt), body],
      );
    } else {
      await tx.run("UPDATE excursions SET zone = ?, status = ?, body = ? WHERE id = ?", [
        record.zone ?? null,
        record.status,
        body,
        record.id,
      ]);
    }
  }
}

function fromRow(row: ExcursionRow): ExcursionRecord {
  return ExcursionRecord.parse(json(row.body));
}

/** ISO text in UTC with milliseconds: text order is time order. */
function utc(at: string): string {
  return new Date(at).toISOString();
}
