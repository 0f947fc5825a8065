import type { Gs1ParseOptions, Gs1Result } from "./gs1-result.js";
import { parseGs1Bracketed } from "./parse-gs1-bracketed.js";
import { parseGs1DigitalLink } from "./parse-gs1-digital-link.js";
import { parseGs1Raw } from "./parse-gs1-raw.js";

/**
 * Parses GS1 data in whichever form it comes: a Digital Link URI (starts with
 * `http://` or `https://`, any case), the bracketed form (starts with "("), or
 * the raw form a barcode reader transmits (anything else). Never throws.
 */
export function parseGs1(input: string, options?: Gs1ParseOptions): Gs1Result {
  if (/^https?:\/\//i.test(input)) return parseGs1DigitalLink(input, options);
  if (input.startsWith("(")) return parseGs1Bracketed(input, options);
  return parseGs1Raw(input, options);
}
