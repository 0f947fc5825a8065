import { aiAt } from "./ai-table.js";
import { checkDuplicates, decodeElement, referenceYearOf } from "./decode-element.js";
import {
  type Gs1Element,
  type Gs1ParseOptions,
  Gs1ProblemCode,
  type Gs1Result,
  type Gs1Symbology,
  ProblemList,
  refuseEmptyOrHuge,
} from "./gs1-result.js";

/** The FNC1 separator as a barcode reader transmits it: GS, ASCII 29. */
export const GS = "\u001d";

/**
 * ISO/IEC 15424 symbology identifiers that announce GS1 data (GS1 General
 * Specifications §5, one per GS1 data carrier). `]e1`/`]e2` (the 2D part of
 * a GS1 Composite) are not accepted.
 */
export const GS1_SYMBOLOGY_IDENTIFIERS: Readonly<Record<string, Gs1Symbology>> = {
  "]C1": "GS1-128",
  "]d2": "GS1 DataMatrix",
  "]Q3": "GS1 QR Code",
  "]e0": "GS1 DataBar",
  "]J1": "GS1 DotCode",
};

/**
 * Parses GS1 element strings as a barcode reader transmits them: AIs and
 * values back to back, a GS (ASCII 29) after each variable-length value that is
 * not last, optionally prefixed by a symbology identifier (`]C1` GS1-128, `]d2`
 * GS1 DataMatrix, `]Q3` GS1 QR Code, `]e0` GS1 DataBar, `]J1` GS1 DotCode) or
 * by a GS standing for FNC1 in first position (readers that send no identifier).
 * Never throws; returns every problem found, each with its offset in `input`.
 */
export function parseGs1Raw(input: string, options?: Gs1ParseOptions): Gs1Result {
  const refused = refuseEmptyOrHuge(input);
  if (refused) return { ok: false, errors: refused };
  const problems = new ProblemList();
  const context = { problems, referenceYear: referenceYearOf(options) };
  const elements: Gs1Element[] = [];

  let pos = 0;
  let symbologyIdentifier: string | undefined;
  if (input.startsWith("]")) {
    symbologyIdentifier = input.slice(0, 3);
    if (GS1_SYMBOLOGY_IDENTIFIERS[symbologyIdentifier] === undefined) {
      problems.add(
        Gs1ProblemCode.Symbology,
        `symbology identifier ${JSON.stringify(symbologyIdentifier)} does not announce GS1 data`,
        0,
      );
    }
    pos = Math.min(3, input.length);
    if (pos >= input.length) problems.add(Gs1ProblemCode.Empty, "no data after the symbology identifier", pos);
  } else if (input.charAt(0) === GS) {
    // Some readers transmit FNC1 in first position as a GS instead of a
    // symbology identifier (§7.8): it announces GS1 data, it separates nothing.
    pos = 1;
    if (pos >= input.length) problems.add(Gs1ProblemCode.Empty, "no data after FNC1 in first position (GS)", pos);
  }

  while (pos < input.length) {
    if (input.charAt(pos) === GS) {
      const where = pos === (symbologyIdentifier ? symbologyIdentifier.length : 1) ? "at the start" : "doubled";
      problems.add(Gs1ProblemCode.Separator, `separator (GS) ${where}`, pos);
      pos += 1;
      continue;
    }
    const start = pos;
    const definition = aiAt(input, pos);
    if (!definition) {
      const shown = JSON.stringify(input.slice(pos, pos + 4));
      problems.add(
        /^\d{2}/.test(input.slice(pos, pos + 2)) ? Gs1ProblemCode.UnknownAi : Gs1ProblemCode.Syntax,
        `no known AI at ${shown}; skipped to the next separator`,
        pos,
      );
      const gs = input.indexOf(GS, pos);
      pos = gs < 0 ? input.length : gs + 1;
      if (gs === input.length - 1) problems.add(Gs1ProblemCode.Separator, "separator (GS) at the end", gs);
      continue;
    }
    const valueStart = pos + definition.ai.length;
    const gs = input.indexOf(GS, valueStart);
    const fieldEnd = gs < 0 ? input.length : gs;
    let valueEnd: number;
    if (definition.minLength === definition.maxLength) {
      // A fixed-length value ends after its length; short when a GS or the end comes first.
      valueEnd = Math.min(valueStart + definition.maxLength, fieldEnd);
      if (valueEnd < fieldEnd && !definition.predefinedLength) {
        problems.add(
          Gs1ProblemCode.MissingFnc1,
          `AI (${definition.ai}) is not of predefined length: FNC1 (GS) must follow its value`,
          valueEnd,
          definition.ai,
        );
      }
    } else {
      valueEnd = fieldEnd;
    }
    const raw = input.slice(valueStart, valueEnd);
    const element = decodeElement({ definition, raw, position: start, at: (index) => valueStart + index }, context);
    if (element) elements.push(element);
    pos = valueEnd;
    if (input.charAt(pos) === GS) {
      pos += 1;
      if (pos === input.length) problems.add(Gs1ProblemCode.Separator, "separator (GS) at the end", pos - 1);
    }
  }

  checkDuplicates(elements, problems);
  if (problems.size > 0) return { ok: false, errors: problems.items };
  const symbology = symbologyIdentifier === undefined ? undefined : GS1_SYMBOLOGY_IDENTIFIERS[symbologyIdentifier];
  return {
    ok: true,
    value: {
      elements,
      form: "raw",
      ...(symbology && symbologyIdentifier ? { symbology, symbologyIdentifier } : {}),
    },
  };
}
