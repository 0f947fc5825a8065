import type { ExpectedReceipt, ExpectedShipment } from "@tally/protocols";
import { canonicalJson } from "../ledger/canonical-json.js";
import type { ExpectedKind, ExpectedQuery, PutResult } from "../ledger/ledger-store.js";
import { json, type SqlDriver } from "./sql-driver.js";
import { addLimit } from "./sql-paging.js";

/**
 * Expected receipts and shipments (advance ship notices and orders) on SQL:
 * a document is written once (the same again is `unchanged`, a different one
 * a `conflict`), listed in creation order, and closed once.
 */
export class SqlExpectedDocuments {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  putExpected(kind: "receipt", value: ExpectedReceipt): Promise<PutResult>;
  putExpected(kind: "shipment", value: ExpectedShipment): Promise<PutResult>;
  async putExpected(kind: ExpectedKind, value: ExpectedReceipt | ExpectedShipment): Promise<PutResult> {
    return this.#driver.write(async (tx) => {
      const body = canonicalJson({ ...value, status: "open" });
      const rows = await tx.all<{ body: unknown }>("SELECT body FROM expected WHERE kind = ? AND id = ?", [
        kind,
        value.id,
      ]);
      const row = rows[0];
      if (row !== undefined) return canonicalJson(json(row.body)) === body ? "unchanged" : "conflict";
      await tx.run(
        "INSERT INTO expected (kind, id, site_id, status, body, created_at) VALUES (?, ?, ?, 'open', ?, ?)",
        [kind, value.id, value.siteId, body, this.#driver.timestamp(new Date().toISOString())],
      );
      await tx.insertRows(
        "expected_lines",
        [
          { name: "kind", type: "text" },
          { name: "expected_id", type: "text" },
          { name: "line_no", type: "integer" },
          { name: "sku", type: "text" },
          { name: "qty", type: "integer" },
          { name: "sscc", type: "text" },
          { name: "gtin", type: "text" },
          { name: "lot", type: "text" },
        ],
        value.lines.map((l, i) => [kind, value.id, i + 1, l.sku, l.qty, l.sscc ?? null, l.gtin ?? null, l.lot ?? null]),
      );
      return "created";
    });
  }

  async #expected(kind: ExpectedKind, query: ExpectedQuery): Promise<{ status: string; body: unknown }[]> {
    const where = ["kind = ?"];
    const params: unknown[] = [kind];
    if (query.id !== undefined) {
      where.push("id = ?");
      params.push(query.id);
    }
    if (query.siteId !== undefined) {
      where.push("site_id = ?");
      params.push(query.siteId);
    }
    if (query.status !== undefined) {
      where.push("status = ?");
      params.push(query.status);
    }
    const c = this.#driver.collate;
    if (query.after !== undefined) {
      // Creation order, then id: the cursor is the last document's id, its creation time read back here.
      const at = "(SELECT created_at FROM expected WHERE kind = ? AND id = ?)";
      where.push(`(created_at > ${at} OR (created_at = ${at} AND id${c} > ?))`);
      params.push(kind, query.after, kind, query.after, query.after);
    }
    const limit = addLimit(params, query.limit);
    return this.#driver.read.all(
      `SELECT status, body FROM expected WHERE ${where.join(" AND ")} ORDER BY created_at, id${c}${limit}`,
      params,
    );
  }

  async expectedReceipts(query: ExpectedQuery = {}): Promise<ExpectedReceipt[]> {
    return (await this.#expected("receipt", query)).map((r) => ({
      ...json<ExpectedReceipt>(r.body),
      status: r.status === "closed" ? "closed" : "open",
    }));
  }

  async expectedShipments(query: ExpectedQuery = {}): Promise<ExpectedShipment[]> {
    return (await this.#expected("shipment", query)).map((r) => ({
      ...json<ExpectedShipment>(r.body),
      status: r.status === "closed" ? "closed" : "open",
    }));
  }

  async closeExpected(kind: ExpectedKind, id: string): Promise<"closed" | "already-closed" | undefined> {
    return this.#driver.write(async (tx) => {
      const changed = await tx.run(
        "UPDATE expected SET status = 'closed', closed_at = ? WHERE kind = ? AND id = ? AND status = 'open'",
        [this.#driver.timestamp(new Date().toISOString()), kind, id],
      );
      if (changed > 0) return "closed";
      const rows = await tx.all("SELECT 1 AS one FROM expected WHERE kind = ? AND id = ?", [kind, id]);
      return rows.length > 0 ? "already-closed" : undefined;
    });
  }
}
