/** Units of one SKU at one location, and which of them carry tags (EPC hex, oldest first). */
export type StockEntry = { units: number; tagged: string[] };

/** The true stock of a compiled scenario, by location then SKU. Pure bookkeeping. */
export class TrueStock {
  private readonly byLocation = new Map<string, Map<string, StockEntry>>();

  /** The entry of `sku` at `loc`, created empty when missing. */
  entry(loc: string, sku: string): StockEntry {
    let bySku = this.byLocation.get(loc);
    if (bySku === undefined) {
      bySku = new Map();
      this.byLocation.set(loc, bySku);
    }
    let e = bySku.get(sku);
    if (e === undefined) {
      e = { units: 0, tagged: [] };
      bySku.set(sku, e);
    }
    return e;
  }

  /** Takes up to `qty` units of `sku` from `loc` (untagged ones first); returns how many and the tags among them. */
  take(loc: string, sku: string, qty: number): { qty: number; tags: string[] } {
    const e = this.entry(loc, sku);
    const n = Math.min(qty, e.units);
    e.units -= n;
    const untagged = e.units + n - e.tagged.length;
    const tagsTaken = Math.max(0, n - untagged);
    return { qty: n, tags: e.tagged.splice(0, tagsTaken) };
  }

  put(loc: string, sku: string, qty: number, tags: string[] = []): void {
    const e = this.entry(loc, sku);
    e.units += qty;
    e.tagged.push(...tags);
  }

  /** SKUs with units at `loc`, in the order they first arrived. */
  skusAt(loc: string): string[] {
    return [...(this.byLocation.get(loc) ?? new Map<string, StockEntry>()).entries()]
      .filter(([, e]) => e.units > 0)
      .map(([s]) => s);
  }

  /** Moves up to `n` tagged units of `sku` from `from` to `to`; returns their tags. */
  carry(from: string, to: string, sku: string, n: number): string[] {
    const e = this.entry(from, sku);
    const k = Math.min(n, e.tagged.length);
    if (k <= 0) return [];
    e.units -= k;
    const tags = e.tagged.splice(0, k);
    this.put(to, sku, k, tags);
    return tags;
  }
}
