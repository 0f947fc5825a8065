/**
 * Stable codes of the problems the GS1 parsers report. Codes are stable;
 * messages are not.
 */
export const Gs1ProblemCode = {
  /** Nothing to parse. */
  Empty: "TALLY_ERR_GS1_EMPTY",
  /** The input is longer than {@link MAX_GS1_INPUT_LENGTH}; it was not parsed. */
  InputTooLong: "TALLY_ERR_GS1_INPUT_TOO_LONG",
  /** A symbology identifier (`]C1` …) that does not announce GS1 data. */
  Symbology: "TALLY_ERR_GS1_SYMBOLOGY",
  /** Malformed structure: a bracket without its AI, data outside any element. */
  Syntax: "TALLY_ERR_GS1_SYNTAX",
  /** An Application Identifier that is not in the AI table. */
  UnknownAi: "TALLY_ERR_GS1_UNKNOWN_AI",
  /** A fixed-length field that ends before its length. */
  Truncated: "TALLY_ERR_GS1_TRUNCATED",
  /** A value shorter or longer than its AI allows. */
  Length: "TALLY_ERR_GS1_LENGTH",
  /** A fixed-length element outside the predefined-length table not followed by FNC1 (GS). */
  MissingFnc1: "TALLY_ERR_GS1_MISSING_FNC1",
  /** A separator (GS) at the start, at the end, or doubled. */
  Separator: "TALLY_ERR_GS1_SEPARATOR",
  /** A character outside the AI's character set (numeric, CSET 82, 39 or 64). */
  Charset: "TALLY_ERR_GS1_CHARSET",
  /** A GS1 key whose check digit (or check character pair) is wrong. */
  CheckDigit: "TALLY_ERR_GS1_CHECK_DIGIT",
  /** A date or time that does not exist (31 February, month 13, hour 24). */
  Date: "TALLY_ERR_GS1_DATE",
  /** The same AI twice with different values (twice at all, in a Digital Link). */
  DuplicateAi: "TALLY_ERR_GS1_DUPLICATE_AI",
  /** Digital Link: not `http://` or `https://` (all lower or all upper case). */
  DlScheme: "TALLY_ERR_GS1_DL_SCHEME",
  /** Digital Link: no domain, or characters a domain cannot hold. */
  DlDomain: "TALLY_ERR_GS1_DL_DOMAIN",
  /** Digital Link: characters a URI cannot hold (unicode, spaces, controls). */
  DlCharacter: "TALLY_ERR_GS1_DL_CHARACTER",
  /** Digital Link: a `%` not followed by two hex digits, or an escaped NUL. */
  DlPercent: "TALLY_ERR_GS1_DL_PERCENT",
  /** Digital Link: no primary key (`/01/…`, `/00/…` …) in the path. */
  DlNoPrimaryKey: "TALLY_ERR_GS1_DL_NO_PRIMARY_KEY",
  /** Digital Link: key qualifiers out of order, or not qualifiers of that key. */
  DlKeyQualifier: "TALLY_ERR_GS1_DL_KEY_QUALIFIER",
  /** Digital Link: an AI path segment or query parameter without a value. */
  DlEmptyValue: "TALLY_ERR_GS1_DL_EMPTY_VALUE",
  /** Digital Link: a query parameter that is a primary key or belongs in the path. */
  DlQueryAi: "TALLY_ERR_GS1_DL_QUERY_AI",
  /** More problems than {@link MAX_GS1_PROBLEMS}; the rest were not listed. */
  TooManyProblems: "TALLY_ERR_GS1_TOO_MANY_PROBLEMS",
} as const;
export type Gs1ProblemCode = (typeof Gs1ProblemCode)[keyof typeof Gs1ProblemCode];

/** Why (part of) a GS1 input was refused. */
export interface Gs1Problem {
  code: Gs1ProblemCode;
  message: string;
  /** 0-based character offset in the input where the problem is. */
  position: number;
  /** The AI the problem belongs to, when there is one. */
  ai?: string;
}

/** One element string (AI + value), decoded. */
export interface Gs1Element {
  /** Application Identifier, e.g. "01", "3103". */
  ai: string;
  /** Data title from the GS1 General Specifications, e.g. "GTIN", "NET WEIGHT (kg)". */
  title: string;
  /** The value exactly as carried (after percent-decoding for a Digital Link). */
  raw: string;
  /**
   * The typed value: a number for counts, measures, amounts and percentages
   * (decimal point applied); an ISO 8601 string for dates ("2020-12-25"),
   * date-times ("2020-12-25T14:30") and date ranges ("2020-12-25/2020-12-31");
   * otherwise the raw string.
   */
  value: string | number;
  /** Unit of a measure or percentage: "kg", "lb", "m", "m2", "l", "m3", "%" … */
  unit?: string;
  /** ISO 4217 numeric currency code of an amount or price (AIs 391n, 393n). */
  currency?: string;
  /** 0-based character offset in the input where this element starts. */
  position: number;
}

/**
 * The symbologies whose identifier announces GS1 data (ISO/IEC 15424): the GS1
 * carriers of element strings, EAN/UPC (`]E0`, `]E3`: EAN-13, UPC-A, UPC-E;
 * `]E4`: EAN-8), and plain QR Code (`]Q1`) or Data Matrix (`]d1`) carrying a
 * GS1 Digital Link URI.
 */
export type Gs1Symbology =
  | "GS1-128"
  | "GS1 DataMatrix"
  | "GS1 QR Code"
  | "GS1 DataBar"
  | "GS1 DotCode"
  | "EAN/UPC"
  | "EAN-8"
  | "QR Code"
  | "Data Matrix";

/** What a GS1 parser read. */
export interface Gs1Data {
  elements: Gs1Element[];
  /** "retail": an EAN-13, UPC-A or EAN-8 symbol, read as a GTIN (AI 01, left-padded to 14 digits). */
  form: "bracketed" | "raw" | "digital-link" | "retail";
  /** The symbology its identifier announced, when one came. */
  symbology?: Gs1Symbology;
  /** The symbology identifier itself, e.g. "]d2", "]E0". */
  symbologyIdentifier?: string;
  /** Retail form only: the 2- or 5-digit add-on symbol's digits (`]E1`, `]E2`, `]E3`). */
  addOn?: string;
  /** Digital Link only: scheme, domain and any path before the primary key, e.g. "https://id.gs1.org". */
  digitalLinkStem?: string;
  /** Digital Link only: query parameters that are not AIs (`linkType=all`), as written. */
  otherQueryParameters?: string[];
}

/** The outcome of a GS1 parser: every element, or every problem found. Parsers never throw. */
export type Gs1Result = { ok: true; value: Gs1Data } | { ok: false; errors: Gs1Problem[] };

/** The outcome of a GS1 formatter. */
export type Gs1FormatResult = { ok: true; value: string } | { ok: false; errors: Gs1Problem[] };

/** Options of the GS1 parsers. */
export interface Gs1ParseOptions {
  /**
   * The day two-digit years are read against (GS1 General Specifications
   * §7.12: the year falls within 49 years before to 50 years after it).
   * Defaults to now.
   */
  referenceDate?: Date;
}

/** Longest input the parsers read (characters); GS1 carriers hold far less (a GS1 QR Code at most 7,089 digits). */
export const MAX_GS1_INPUT_LENGTH = 8192;

/** Most problems one parse lists; further ones are summarised by one `TALLY_ERR_GS1_TOO_MANY_PROBLEMS`. */
export const MAX_GS1_PROBLEMS = 100;

/** Collects problems up to {@link MAX_GS1_PROBLEMS}. */
export class ProblemList {
  readonly items: Gs1Problem[] = [];
  private overflowed = false;

  add(code: Gs1ProblemCode, message: string, position: number, ai?: string): void {
    if (this.items.length < MAX_GS1_PROBLEMS) {
      this.items.push(ai === undefined ? { code, message, position } : { code, message, position, ai });
    } else if (!this.overflowed) {
      this.overflowed = true;
      this.items.push({
        code: Gs1ProblemCode.TooManyProblems,
        message: `more than ${MAX_GS1_PROBLEMS} problems; the rest are not listed`,
        position,
      });
    }
  }

  get size(): number {
    return this.items.length;
  }
}

/** The common prologue of every parser: empty and oversize inputs. */
export function refuseEmptyOrHuge(input: string): Gs1Problem[] | undefined {
  if (input.length === 0) return [{ code: Gs1ProblemCode.Empty, message: "empty input", position: 0 }];
  if (input.length > MAX_GS1_INPUT_LENGTH) {
    return [
      {
        code: Gs1ProblemCode.InputTooLong,
        message: `input is ${input.length} characters; at most ${MAX_GS1_INPUT_LENGTH} are read`,
        position: MAX_GS1_INPUT_LENGTH,
      },
    ];
  }
  return undefined;
}
