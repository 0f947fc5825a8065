import { lookupAi } from "./ai-table.js";
import { hasValidCheckDigit } from "./check-digit.js";
import { expandUpcE } from "./expand-upc-e.js";
import {
  type Gs1ParseOptions,
  Gs1ProblemCode,
  type Gs1Result,
  type Gs1Symbology,
  ProblemList,
  refuseEmptyOrHuge,
} from "./gs1-result.js";

/**
 * ISO/IEC 15424 symbology identifiers of EAN/UPC, as scanners transmit them:
 * `]E0` carries 13 digits (EAN-13, UPC-A
 * with a leading 0, UPC-E expanded), `]E4` an EAN-8, `]E3` the 13 digits and
 * the add-on in one packet, `]E1`/`]E2` a 2-/5-digit add-on on its own.
 */
export const RETAIL_SYMBOLOGY_IDENTIFIERS: Readonly<Record<string, Gs1Symbology>> = {
  "]E0": "EAN/UPC",
  "]E3": "EAN/UPC",
  "]E4": "EAN-8",
  "]E1": "EAN/UPC",
  "]E2": "EAN/UPC",
};

/** Digit counts a symbol without its symbology identifier may have: EAN-8, UPC-A, EAN-13. */
export const BARE_RETAIL_LENGTHS: readonly number[] = [8, 12, 13];

/** True when `input` is read as an EAN/UPC symbol: an `]E` identifier, or bare digits of a retail length. */
export function isRetailSymbol(input: string): boolean {
  if (input.startsWith("]E")) return true;
  return /^\d+$/.test(input) && BARE_RETAIL_LENGTHS.includes(input.length);
}

const ADD_ON_LENGTH: Readonly<Record<string, number>> = { "]E1": 2, "]E2": 5 };

/**
 * Reads an EAN-13, UPC-A, UPC-E or EAN-8 symbol as transmitted by a scanner,
 * with its ISO/IEC 15424 identifier (`]E0` + 13 digits, `]E0` + the 8 digits
 * of a UPC-E, expanded to its UPC-A, `]E4` + 8 digits, each
 * optionally followed by `]E1` + 2 or `]E2` + 5 add-on digits; `]E3` + 13 +
 * 2 or 5 digits) or bare (8, 12 or 13 digits). The check digit is verified
 * (§7.9.1) and the GTIN becomes AI (01), left-padded to 14 digits (§3.2).
 * Never throws.
 */
export function parseRetailSymbol(input: string, _options?: Gs1ParseOptions): Gs1Result {
  const refused = refuseEmptyOrHuge(input);
  if (refused) return { ok: false, errors: refused };
  const problems = new ProblemList();
  const identifier = input.startsWith("]") ? input.slice(0, 3) : "";
  const symbology = RETAIL_SYMBOLOGY_IDENTIFIERS[identifier];
  if (identifier !== "" && symbology === undefined) {
    problems.add(Gs1ProblemCode.Symbology, `${JSON.stringify(identifier)} is not an EAN/UPC identifier`, 0);
    return { ok: false, errors: problems.items };
  }
  if (identifier in ADD_ON_LENGTH) {
    // An add-on (price, issue number) alone names no trade item.
    problems.add(Gs1ProblemCode.Symbology, `${identifier} is an add-on without its EAN/UPC symbol`, 0);
    return { ok: false, errors: problems.items };
  }

  const start = identifier.length;
  // Where the main symbol ends and an add-on (with its own identifier) starts.
  const addOnIdentifierAt = identifier === "" ? -1 : input.indexOf("]", start);
  const mainEnd = addOnIdentifierAt < 0 ? input.length : addOnIdentifierAt;
  const main = input.slice(start, mainEnd);
  const nonDigit = /\D/.exec(main);
  if (nonDigit) {
    problems.add(Gs1ProblemCode.Charset, `${JSON.stringify(nonDigit[0])} in an EAN/UPC symbol`, start + nonDigit.index);
    return { ok: false, errors: problems.items };
  }

  let gtinLength = main.length;
  let addOn = "";
  // Readers set to send UPC-E as printed transmit its 8 digits after ]E0 (EAN-8 has ]E4 of its own).
  const upcE = identifier === "]E0" && main.length === 8;
  if (upcE) gtinLength = 8;
  else if (identifier === "]E0") gtinLength = 13;
  else if (identifier === "]E4") gtinLength = 8;
  else if (identifier === "]E3") {
    gtinLength = 13;
    addOn = main.slice(13);
    if (addOn.length !== 2 && addOn.length !== 5) {
      problems.add(
        Gs1ProblemCode.Length,
        `]E3 carries 13 digits and a 2- or 5-digit add-on, not ${main.length}`,
        start,
      );
    }
  } else if (!BARE_RETAIL_LENGTHS.includes(main.length)) {
    problems.add(Gs1ProblemCode.Length, `${main.length} digits is no EAN-8, UPC-A or EAN-13`, start);
  }
  if (identifier !== "]E3" && main.length !== gtinLength) {
    problems.add(Gs1ProblemCode.Length, `${identifier} carries ${gtinLength} digits, not ${main.length}`, start);
  }
  if (addOnIdentifierAt >= 0) addOn = readAddOn(input, addOnIdentifierAt, identifier, problems);

  let gtin = main.slice(0, gtinLength);
  if (upcE) {
    const upcA = expandUpcE(gtin);
    if (upcA === undefined) {
      problems.add(Gs1ProblemCode.Syntax, `UPC-E ${gtin} must start with number system 0 or 1`, start);
    } else {
      gtin = upcA;
    }
  }
  if (problems.size === 0 && !hasValidCheckDigit(gtin)) {
    problems.add(Gs1ProblemCode.CheckDigit, `wrong check digit in GTIN ${gtin}`, start + gtinLength - 1, "01");
  }
  if (problems.size > 0) return { ok: false, errors: problems.items };

  const gtin14 = gtin.padStart(14, "0");
  return {
    ok: true,
    value: {
      elements: [{ ai: "01", title: lookupAi("01")?.title ?? "GTIN", raw: gtin14, value: gtin14, position: start }],
      form: "retail",
      ...(symbology ? { symbology, symbologyIdentifier: identifier } : {}),
      ...(addOn === "" ? {} : { addOn }),
    },
  };
}

function readAddOn(input: string, at: number, mainIdentifier: string, problems: ProblemList): string {
  const identifier = input.slice(at, at + 3);
  const length = ADD_ON_LENGTH[identifier];
  if (mainIdentifier === "]E3" || length === undefined) {
    problems.add(Gs1ProblemCode.Symbology, `${JSON.stringify(identifier)} cannot follow ${mainIdentifier}`, at);
    return "";
  }
  const digits = input.slice(at + 3);
  if (!/^\d*$/.test(digits)) {
    problems.add(Gs1ProblemCode.Charset, `the ${identifier} add-on holds digits only`, at + 3);
  } else if (digits.length !== length) {
    problems.add(Gs1ProblemCode.Length, `${identifier} carries ${length} digits, not ${digits.length}`, at + 3);
  }
  return digits;
}
