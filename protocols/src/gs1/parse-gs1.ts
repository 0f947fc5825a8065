import type { Gs1ParseOptions, Gs1Result, Gs1Symbology } from "./gs1-result.js";
import { Gs1ProblemCode } from "./gs1-result.js";
import { parseGs1Bracketed } from "./parse-gs1-bracketed.js";
import { parseGs1DigitalLink } from "./parse-gs1-digital-link.js";
import { parseGs1Raw } from "./parse-gs1-raw.js";
import { isRetailSymbol, parseRetailSymbol } from "./parse-retail-symbol.js";

/**
 * ISO/IEC 15424 identifiers of the plain (non-GS1) QR Code and Data Matrix:
 * the carriers of a GS1 Digital Link URI (GS1 Digital Link Standard: a URI in
 * a QR Code or Data Matrix without FNC1).
 */
export const DIGITAL_LINK_SYMBOLOGY_IDENTIFIERS: Readonly<Record<string, Gs1Symbology>> = {
  "]Q1": "QR Code",
  "]d1": "Data Matrix",
};

const DIGITAL_LINK_START = /^https?:\/\//i;

/**
 * Parses GS1 data in whichever form it comes: a Digital Link URI (starts with
 * `http://` or `https://`, any case, optionally after `]Q1` or `]d1`), the
 * bracketed form (starts with "("), an EAN/UPC symbol (`]E0`, `]E3`, `]E4`, or
 * bare 8, 12 or 13 digits, read as a GTIN), or the raw form a barcode reader
 * transmits (anything else, optionally after a symbology identifier or a GS
 * standing for FNC1 in first position). Never throws.
 */
export function parseGs1(input: string, options?: Gs1ParseOptions): Gs1Result {
  const identifier = input.slice(0, 3);
  const carrier = DIGITAL_LINK_SYMBOLOGY_IDENTIFIERS[identifier];
  if (carrier !== undefined) return parseCarriedDigitalLink(input, identifier, carrier, options);
  if (DIGITAL_LINK_START.test(input)) return parseGs1DigitalLink(input, options);
  if (input.startsWith("(")) return parseGs1Bracketed(input, options);
  if (isRetailSymbol(input)) return parseRetailSymbol(input, options);
  return parseGs1Raw(input, options);
}

function parseCarriedDigitalLink(
  input: string,
  identifier: string,
  symbology: Gs1Symbology,
  options?: Gs1ParseOptions,
): Gs1Result {
  const uri = input.slice(identifier.length);
  if (!DIGITAL_LINK_START.test(uri)) {
    // A plain QR Code or Data Matrix carries GS1 data only as a Digital Link URI.
    const message = `${identifier} (${symbology}) carries GS1 data only as a Digital Link URI`;
    return { ok: false, errors: [{ code: Gs1ProblemCode.Symbology, message, position: 0 }] };
  }
  const result = parseGs1DigitalLink(uri, options);
  const shift = identifier.length;
  if (!result.ok) {
    return { ok: false, errors: result.errors.map((p) => ({ ...p, position: p.position + shift })) };
  }
  const elements = result.value.elements.map((e) => ({ ...e, position: e.position + shift }));
  return {
    ok: true,
    value: { ...result.value, elements, symbology, symbologyIdentifier: identifier },
  };
}
