import { lookupAi } from "./ai-table.js";
import type { Gs1ElementInput } from "./format-bracketed.js";
import { GS } from "./parse-gs1-raw.js";

/**
 * Writes elements as a barcode reader transmits them: AI and value back to
 * back, with a GS (FNC1) after every value whose AI is not of predefined length
 * (GS1 General Specifications §7.8), except the last. `symbologyIdentifier`
 * (`]C1`, `]d2` …) is put in front when given. Values are written as given,
 * unchecked; an AI missing from the table is treated as variable-length.
 */
export function formatRaw(elements: readonly Gs1ElementInput[], symbologyIdentifier = ""): string {
  let out = symbologyIdentifier;
  elements.forEach(({ ai, raw }, index) => {
    out += ai + raw;
    const predefined = lookupAi(ai)?.predefinedLength ?? false;
    if (!predefined && index < elements.length - 1) out += GS;
  });
  return out;
}
