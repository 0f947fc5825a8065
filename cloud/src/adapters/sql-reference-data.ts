import { LedgerItem, type LedgerLocation, type SiteLayout, TemperatureClass, ZoneKind } from "@tally/protocols";
import type { PageQuery, SiteImport } from "../ledger/ledger-store.js";
import { json, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { addLimit } from "./sql-paging.js";

/**
 * The ledger's reference data on SQL: the item master (with GTINs) and the
 * site's zones and locations, imported from a site file.
 */
export class SqlReferenceData {
  readonly #driver: SqlDriver;
  readonly #onItemChange: () => void;

  /** `onItemChange` is told before an item is written (the ledger drops its cached item rules). */
  constructor(driver: SqlDriver, onItemChange: () => void) {
    this.#driver = driver;
    this.#onItemChange = onItemChange;
  }

  async items(query: PageQuery = {}): Promise<LedgerItem[]> {
    const c = this.#driver.collate;
    const params: unknown[] = [];
    let where = "";
    if (query.after !== undefined) {
      where = `WHERE sku${c} > ?`;
      params.push(query.after);
    }
    const limit = addLimit(params, query.limit);
    const rows = await this.#driver.read.all<{ body: unknown }>(
      `SELECT body FROM items ${where} ORDER BY sku${c}${limit}`,
      params,
    );
    return rows.map((r) => LedgerItem.parse(json(r.body)));
  }

  async item(sku: string): Promise<LedgerItem | undefined> {
    const rows = await this.#driver.read.all<{ body: unknown }>("SELECT body FROM items WHERE sku = ?", [sku]);
    const row = rows[0];
    return row === undefined ? undefined : LedgerItem.parse(json(row.body));
  }

  async putItem(item: LedgerItem): Promise<void> {
    await this.#driver.write((tx) => this.#putItem(tx, item));
  }

  async #putItem(tx: SqlDb, item: LedgerItem): Promise<void> {
    this.#onItemChange();
    await tx.run(
      `INSERT INTO items (sku, body, reorder_point, negative_stock, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (sku) DO UPDATE SET body = excluded.body, reorder_point = excluded.reorder_point,
         negative_stock = excluded.negative_stock, updated_at = excluded.updated_at`,
      [
        item.sku,
        JSON.stringify(item),
        item.reorderPoint ?? null,
        item.negativeStock,
        this.#driver.timestamp(new Date().toISOString()),
      ],
    );
    await tx.run("DELETE FROM item_gtins WHERE sku = ?", [item.sku]);
    await tx.insertRows(
      "item_gtins",
      [
        { name: "gtin", type: "text" },
        { name: "sku", type: "text" },
      ],
      item.gtins.map((g) => [g, item.sku]),
      { suffix: "ON CONFLICT (gtin) DO UPDATE SET sku = excluded.sku" },
    );
  }

  async skuOfGtin(gtin: string): Promise<string | undefined> {
    const rows = await this.#driver.read.all<{ sku: string }>("SELECT sku FROM item_gtins WHERE gtin = ?", [gtin]);
    return rows[0]?.sku;
  }

  async locations(query: { siteId?: string; zone?: string } & PageQuery = {}): Promise<LedgerLocation[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.siteId !== undefined) {
      where.push("l.site_id = ?");
      params.push(query.siteId);
    }
    if (query.zone !== undefined) {
      where.push("l.zone_id = ?");
      params.push(query.zone);
    }
    if (query.after !== undefined) {
      where.push(`l.code${this.#driver.collate} > ?`);
      params.push(query.after);
    }
    const limit = addLimit(params, query.limit);
    const rows = await this.#driver.read.all<{
      code: string;
      site_id: string;
      zone_id: string;
      bin: string;
      name: string | null;
      kind: string;
      temperature_class: string;
    }>(
      `SELECT l.code, l.site_id, l.zone_id, l.bin, l.name, z.kind, z.temperature_class
       FROM locations l JOIN zones z ON z.site_id = l.site_id AND z.zone_id = l.zone_id
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY l.code${this.#driver.collate}${limit}`,
      params,
    );
    return rows.map((r) => ({
      code: r.code,
      siteId: r.site_id,
      zone: r.zone_id,
      bin: r.bin,
      zoneKind: ZoneKind.parse(r.kind),
      temperatureClass: TemperatureClass.parse(r.temperature_class),
      ...(r.name !== null && { name: r.name }),
    }));
  }

  async importSite(layout: SiteLayout): Promise<SiteImport> {
    return this.#driver.write(async (tx) => {
      await tx.insertRows(
        "zones",
        [
          { name: "site_id", type: "text" },
          { name: "zone_id", type: "text" },
          { name: "kind", type: "text" },
          { name: "temperature_class", type: "text" },
          { name: "name", type: "text" },
        ],
        layout.zones.map((z) => [layout.siteId, z.id, z.kind, z.temperatureClass, z.name ?? null]),
        {
          suffix: `ON CONFLICT (site_id, zone_id) DO UPDATE SET kind = excluded.kind,
           temperature_class = excluded.temperature_class, name = excluded.name`,
        },
      );
      await tx.insertRows(
        "locations",
        [
          { name: "code", type: "text" },
          { name: "site_id", type: "text" },
          { name: "zone_id", type: "text" },
          { name: "bin", type: "text" },
          { name: "name", type: "text" },
        ],
        layout.locations.map((l) => [l.code, layout.siteId, l.zone, l.code.split("/")[2] ?? "", l.name ?? null]),
        {
          suffix: `ON CONFLICT (code) DO UPDATE SET site_id = excluded.site_id, zone_id = excluded.zone_id,
           bin = excluded.bin, name = excluded.name`,
        },
      );
      for (const item of layout.items) {
        // Ledger policy set through the API (negative stock, EOQ costs) survives a re-import of the site file.
        const rows = await tx.all<{ body: unknown }>(`SELECT body FROM items WHERE sku = ?${this.#driver.forUpdate}`, [
          item.sku,
        ]);
        const existing = rows[0] === undefined ? {} : json<object>(rows[0].body);
        await this.#putItem(tx, LedgerItem.parse({ ...existing, ...item }));
      }
      return { zones: layout.zones.length, locations: layout.locations.length, items: layout.items.length };
    });
  }
}
