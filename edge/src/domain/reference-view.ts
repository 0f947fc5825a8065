import type { ExpectedLine, ExpectedReceipt, ExpectedShipment, Item, ReferenceData } from "@tally/protocols";

/** A pallet's expected contents and the document that announced it. */
export interface PalletContents {
  document: { kind: "receipt"; doc: ExpectedReceipt } | { kind: "shipment"; doc: ExpectedShipment };
  lines: ExpectedLine[];
}

/**
 * Lookups over the reference data an edge has (the cloud's, or its cached
 * copy, over the site file's items): item by GTIN, open documents by dock,
 * pallet contents by SSCC. Immutable: a new copy makes a new view.
 */
export class ReferenceView {
  readonly #byGtin = new Map<string, Item>();
  readonly #bySku = new Map<string, Item>();
  readonly #pallets = new Map<string, PalletContents[]>();
  /** The ledger's units by `location|sku`; undefined when the cloud sent none. */
  readonly #binStock: Map<string, number> | undefined;

  constructor(
    siteItems: readonly Item[],
    readonly data: Pick<ReferenceData, "items" | "expectedReceipts" | "expectedShipments" | "binStock">,
  ) {
    this.#binStock =
      data.binStock === undefined
        ? undefined
        : new Map(data.binStock.map((b) => [`${b.location}|${b.sku}`, b.units] as const));
    // The cloud's item master wins over the site file's.
    for (const item of [...siteItems, ...data.items]) {
      this.#bySku.set(item.sku, item);
      for (const gtin of item.gtins) this.#byGtin.set(gtin, item);
    }
    const addPallets = (document: PalletContents["document"], lines: readonly ExpectedLine[]) => {
      for (const line of lines) {
        if (line.sscc === undefined) continue;
        const list = this.#pallets.get(line.sscc) ?? [];
        const entry = list.find((p) => p.document.doc.id === document.doc.id);
        if (entry) entry.lines.push(line);
        else list.push({ document, lines: [line] });
        this.#pallets.set(line.sscc, list);
      }
    };
    for (const doc of data.expectedReceipts) if (doc.status === "open") addPallets({ kind: "receipt", doc }, doc.lines);
    for (const doc of data.expectedShipments)
      if (doc.status === "open") addPallets({ kind: "shipment", doc }, doc.lines);
  }

  itemByGtin(gtin: string): Item | undefined {
    return this.#byGtin.get(gtin);
  }

  itemBySku(sku: string): Item | undefined {
    return this.#bySku.get(sku);
  }

  /**
   * The ledger's units of `sku` at `location` (0 when it holds none there);
   * undefined when the reference data carries no stock to compare with.
   */
  expectedUnits(location: string, sku: string): number | undefined {
    return this.#binStock === undefined ? undefined : (this.#binStock.get(`${location}|${sku}`) ?? 0);
  }

  /** Open expected receipts for an inbound dock door (those naming no dock count for every door). */
  openReceiptsAt(dock: string): ExpectedReceipt[] {
    return this.data.expectedReceipts.filter((r) => r.status === "open" && (r.dock === undefined || r.dock === dock));
  }

  /** Open expected shipments. */
  openShipments(): ExpectedShipment[] {
    return this.data.expectedShipments.filter((s) => s.status === "open");
  }

  /** What an SSCC pallet carries, per open document that lists it. */
  pallet(sscc: string, kind: "receipt" | "shipment"): PalletContents | undefined {
    return this.#pallets.get(sscc)?.find((p) => p.document.kind === kind);
  }
}

/** The reference data an edge has before the cloud has answered: its site file's items, no documents. */
export function siteOnlyReference(siteItems: readonly Item[]): ReferenceView {
  return new ReferenceView(siteItems, { items: [], expectedReceipts: [], expectedShipments: [] });
}
