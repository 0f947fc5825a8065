import type { ExpectedReceipt } from "@tally/protocols";

/**
 * Units seen against each open expected receipt, per SKU: shared by every
 * pipeline that receives goods (RFID portals, receipt scans), so a receipt
 * partly read by a portal and partly scanned is tallied once, and what is
 * still missing when it closes is the same for both. One entry per receipt
 * that has seen goods; forgotten when the receipt closes.
 */
export class ReceiptTally {
  readonly #seen = new Map<string, Map<string, number>>();

  /** Units of `sku` the receipt lists and that have not been seen yet (negative: more seen than listed). */
  remaining(receipt: ExpectedReceipt, sku: string): number {
    const listed = receipt.lines.filter((l) => l.sku === sku).reduce((n, l) => n + l.qty, 0);
    return listed - (this.#seen.get(receipt.id)?.get(sku) ?? 0);
  }

  /**
   * Counts `qty` × `sku` against the first of `open` that still expects that
   * many, and returns it; undefined when none does (an unexpected item, or
   * more than the receipts list), and nothing is counted.
   */
  take(open: readonly ExpectedReceipt[], sku: string, qty: number): ExpectedReceipt | undefined {
    const receipt = open.find((r) => this.remaining(r, sku) >= qty);
    if (receipt === undefined) return undefined;
    const counts = this.#seen.get(receipt.id) ?? new Map<string, number>();
    counts.set(sku, (counts.get(sku) ?? 0) + qty);
    this.#seen.set(receipt.id, counts);
    return receipt;
  }

  /** Drops what was seen against a receipt that has closed. */
  forget(receiptId: string): void {
    this.#seen.delete(receiptId);
  }
}
