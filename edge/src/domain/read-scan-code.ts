import { ErrorCode, type Gs1Element, ok, parseGs1, type Rejection, type Result, rejected } from "@tally/protocols";

/** What a scanned barcode says about the item. */
export interface ScannedItem {
  /** GTIN-14: an EAN-13, UPC-A, UPC-E or EAN-8 left-padded with zeros. */
  gtin: string;
  lot?: string | undefined;
  /** ISO date (AI 17). */
  expiry?: string | undefined;
  /** Units the barcode counts (AI 30 or 37), when it counts any. */
  count?: number | undefined;
}

const find = (elements: readonly Gs1Element[], ai: string) => elements.find((e) => e.ai === ai);

/**
 * Reads the item from a scanned barcode's GS1 data in any form a warehouse
 * scanner sends: an EAN/UPC symbol (`]E0`, `]E3`, `]E4`, or bare 8, 12 or 13
 * digits), an element string (bracketed, or raw after a GS1 symbology
 * identifier or a GS standing for FNC1), a Digital Link URI (alone or after
 * `]Q1`/`]d1`). An add-on (`]E1`, `]E2`) does not change the item. Every
 * problem the GS1 parser finds goes into the reason, with its position. Pure.
 */
export function readScanCode(code: string, referenceDate?: Date): Result<ScannedItem, Rejection> {
  const parsed = parseGs1(code, referenceDate ? { referenceDate } : undefined);
  if (!parsed.ok) {
    const problems = parsed.errors
      .slice(0, 5)
      .map((p) => `${p.code} at ${p.position}${p.ai ? ` (AI ${p.ai})` : ""}: ${p.message}`);
    if (parsed.errors.length > 5) problems.push(`… ${parsed.errors.length - 5} more`);
    return rejected(ErrorCode.BarcodeInvalid, `barcode is not valid GS1 data: ${problems.join("; ")}`);
  }
  const elements = parsed.value.elements;
  // AI 01 identifies the trade item; AI 02 the item contained in a logistic unit.
  const gtin = find(elements, "01") ?? find(elements, "02");
  if (gtin === undefined) {
    const ais = elements.map((e) => e.ai).join(", ");
    return rejected(ErrorCode.BarcodeInvalid, `barcode has no GTIN (AI 01 or 02); it carries AIs ${ais}`);
  }
  const count = find(elements, "30") ?? find(elements, "37");
  const expiry = find(elements, "17");
  return ok({
    gtin: gtin.raw,
    lot: find(elements, "10")?.raw,
    expiry: typeof expiry?.value === "string" ? expiry.value : undefined,
    count: typeof count?.value === "number" ? count.value : undefined,
  });
}
