import type { Gs1AiDefinition, Gs1Charset } from "./ai-table.js";
import { hasValidCheckCharacterPair, hasValidCheckDigitAt } from "./check-digit.js";
import { type Gs1Element, type Gs1ParseOptions, Gs1ProblemCode, type ProblemList } from "./gs1-result.js";

// GS1 General Specifications §7.11, figures 7.11-1 (CSET 82), 7.11-2 (CSET 39), 7.11-3 (CSET 64).
const CHARSETS: Record<Gs1Charset, RegExp> = {
  N: /^[0-9]$/,
  X: /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]$/,
  Y: /^[#\-/0-9A-Z]$/,
  Z: /^[A-Za-z0-9\-_=]$/,
};

const CHARSET_NAMES: Record<Gs1Charset, string> = {
  N: "a digit",
  X: "a CSET 82 character",
  Y: "a CSET 39 character",
  Z: "a CSET 64 character",
};

/** Where one element's value sits in the input, and what it decodes against. */
export interface ElementInput {
  definition: Gs1AiDefinition;
  raw: string;
  /** Offset of the element (its AI) in the input. */
  position: number;
  /** Offset in the input of character `index` of `raw` (`index` may equal `raw.length`). */
  at: (index: number) => number;
}

/** Everything a parse shares across its elements. */
export interface DecodeContext {
  problems: ProblemList;
  referenceYear: number;
}

/** The reference year of GS1 General Specifications §7.12 for these options. */
export function referenceYearOf(options: Gs1ParseOptions | undefined): number {
  const year = (options?.referenceDate ?? new Date()).getUTCFullYear();
  return Number.isFinite(year) ? year : new Date().getUTCFullYear();
}

/**
 * GS1 General Specifications §7.12: the century of a two-digit year is the
 * one that puts the year no more than 49 years before, and no more than 50
 * years after, the reference year.
 */
export function yearFromTwoDigits(yy: number, referenceYear: number): number {
  const current = referenceYear % 100;
  const century = referenceYear - current;
  const difference = yy - current;
  if (difference >= 51) return century - 100 + yy;
  if (difference <= -50) return century + 100 + yy;
  return century + yy;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const pad2 = (n: number): string => String(n).padStart(2, "0");
const padYear = (n: number): string => String(n).padStart(4, "0");

/** Checks length and character set, component by component; true when both are right. */
function checkShape(input: ElementInput, context: DecodeContext): boolean {
  const { definition, raw, at } = input;
  let index = 0;
  let lengthOk = true;
  let charsetOk = true;
  for (const component of definition.components) {
    const remaining = raw.length - index;
    if (component.optional && remaining === 0) break;
    const take = Math.min(component.max, remaining);
    if (take < component.min) lengthOk = false;
    const pattern = CHARSETS[component.charset];
    for (let i = index; i < index + take; i++) {
      if (!pattern.test(raw.charAt(i))) {
        charsetOk = false;
        const shown = JSON.stringify(raw.charAt(i));
        context.problems.add(
          Gs1ProblemCode.Charset,
          `AI (${definition.ai}): ${shown} at value offset ${i} is not ${CHARSET_NAMES[component.charset]}`,
          at(i),
          definition.ai,
        );
        break;
      }
    }
    if (take < component.min) break; // `index` stays where the short part starts
    index += take;
  }
  if (index < raw.length) lengthOk = false;
  if (!lengthOk) reportLength(input, index, context);
  return lengthOk && charsetOk;
}

function reportLength(input: ElementInput, walked: number, context: DecodeContext): void {
  const { definition, raw, at } = input;
  const { minLength, maxLength, ai, title, format } = definition;
  const fixed = minLength === maxLength;
  const expected = fixed ? `${maxLength}` : `${minLength} to ${maxLength}`;
  const message = `AI (${ai}) ${title}: value has ${raw.length} characters, expected ${expected} (${format})`;
  if (raw.length > maxLength) {
    const hint = definition.predefinedLength ? "" : "; a missing FNC1 separator?";
    context.problems.add(Gs1ProblemCode.Length, message + hint, at(maxLength), ai);
  } else if (fixed) {
    context.problems.add(Gs1ProblemCode.Truncated, message, at(raw.length), ai);
  } else {
    context.problems.add(Gs1ProblemCode.Length, message, at(Math.min(walked, raw.length)), ai);
  }
}

/** YYMMDD at `offset` of the value → "YYYY-MM-DD", or a problem. */
function decodeDate(input: ElementInput, offset: number, dayZero: boolean, context: DecodeContext): string | undefined {
  const { raw, at, definition } = input;
  const year = yearFromTwoDigits(Number(raw.slice(offset, offset + 2)), context.referenceYear);
  const month = Number(raw.slice(offset + 2, offset + 4));
  let day = Number(raw.slice(offset + 4, offset + 6));
  if (month < 1 || month > 12) {
    context.problems.add(
      Gs1ProblemCode.Date,
      `AI (${definition.ai}): month ${pad2(month)} does not exist`,
      at(offset + 2),
      definition.ai,
    );
    return undefined;
  }
  const last = daysInMonth(year, month);
  // §3.4 (AIs 11–17): DD = 00 means the last day of the month.
  if (day === 0 && dayZero) day = last;
  if (day < 1 || day > last) {
    context.problems.add(
      Gs1ProblemCode.Date,
      `AI (${definition.ai}): day ${pad2(day)} does not exist in ${padYear(year)}-${pad2(month)}`,
      at(offset + 4),
      definition.ai,
    );
    return undefined;
  }
  return `${padYear(year)}-${pad2(month)}-${pad2(day)}`;
}

/** HH, HHMM or HHMMSS at `offset` → "HH:MM[:SS]", or a problem. */
function decodeTime(input: ElementInput, offset: number, context: DecodeContext): string | undefined {
  const { raw, at, definition } = input;
  const time = raw.slice(offset);
  if (time.length !== 2 && time.length !== 4 && time.length !== 6) {
    context.problems.add(
      Gs1ProblemCode.Date,
      `AI (${definition.ai}): time must be HH, HHMM or HHMMSS`,
      at(offset),
      definition.ai,
    );
    return undefined;
  }
  const limits = [23, 59, 59];
  const parts: string[] = [];
  for (let i = 0; i < time.length; i += 2) {
    const part = Number(time.slice(i, i + 2));
    if (part > (limits[i / 2] ?? 0)) {
      context.problems.add(
        Gs1ProblemCode.Date,
        `AI (${definition.ai}): ${["hour", "minute", "second"][i / 2]} ${time.slice(i, i + 2)} does not exist`,
        at(offset + i),
        definition.ai,
      );
      return undefined;
    }
    parts.push(time.slice(i, i + 2));
  }
  if (parts.length === 1) parts.push("00");
  return parts.join(":");
}

/** Digits with `decimals` implied decimal places → number, rounding as JavaScript reads "123.456". */
function decimalOf(digits: string, decimals: number): number {
  if (decimals === 0) return Number(digits);
  const padded = digits.padStart(decimals + 1, "0");
  return Number(`${padded.slice(0, -decimals)}.${padded.slice(-decimals)}`);
}

/**
 * Validates one element (length, character set, check digit, dates) and types
 * its value. Adds every problem found to `context`; returns the element only
 * when there were none.
 */
export function decodeElement(input: ElementInput, context: DecodeContext): Gs1Element | undefined {
  const { definition, raw, at } = input;
  if (!checkShape(input, context)) return undefined;

  if (definition.checkDigit) {
    const { start, length } = definition.checkDigit;
    if (!hasValidCheckDigitAt(raw, start, length)) {
      context.problems.add(
        Gs1ProblemCode.CheckDigit,
        `AI (${definition.ai}) ${definition.title}: wrong check digit ${raw.charAt(start + length - 1)}`,
        at(start + length - 1),
        definition.ai,
      );
      return undefined;
    }
  }
  if (definition.checkCharacterPair && !hasValidCheckCharacterPair(raw)) {
    context.problems.add(
      Gs1ProblemCode.CheckDigit,
      `AI (${definition.ai}) ${definition.title}: wrong check character pair`,
      at(Math.max(0, raw.length - 2)),
      definition.ai,
    );
    return undefined;
  }

  const element: Gs1Element = { ai: definition.ai, title: definition.title, raw, value: raw, position: input.position };
  const spec = definition.value;
  switch (spec.kind) {
    case "string":
      return element;
    case "integer":
      return { ...element, value: Number(raw) };
    case "decimal": {
      const digits = spec.currency ? raw.slice(3) : raw;
      return {
        ...element,
        value: decimalOf(digits, spec.decimals),
        ...(spec.unit ? { unit: spec.unit } : {}),
        ...(spec.currency ? { currency: raw.slice(0, 3) } : {}),
      };
    }
    case "date": {
      const value = decodeDate(input, 0, spec.dayZero, context);
      return value === undefined ? undefined : { ...element, value };
    }
    case "datetime": {
      const day = decodeDate(input, 0, spec.dayZero, context);
      if (raw.length === 6) return day === undefined ? undefined : { ...element, value: day };
      const time = decodeTime(input, 6, context);
      return day === undefined || time === undefined ? undefined : { ...element, value: `${day}T${time}` };
    }
    case "date-range": {
      const from = decodeDate(input, 0, false, context);
      if (raw.length === 6) return from === undefined ? undefined : { ...element, value: from };
      const to = decodeDate(input, 6, false, context);
      return from === undefined || to === undefined ? undefined : { ...element, value: `${from}/${to}` };
    }
  }
}

/**
 * One AI may not carry two different values in one data carrier (GS1 General
 * Specifications, processing of AI data). With `anyRepeat` (Digital Link), repeating an
 * AI at all is a problem.
 */
export function checkDuplicates(elements: readonly Gs1Element[], problems: ProblemList, anyRepeat = false): void {
  const seen = new Map<string, string>();
  for (const element of elements) {
    const earlier = seen.get(element.ai);
    if (earlier === undefined) {
      seen.set(element.ai, element.raw);
    } else if (anyRepeat || earlier !== element.raw) {
      problems.add(
        Gs1ProblemCode.DuplicateAi,
        anyRepeat
          ? `AI (${element.ai}) appears more than once`
          : `AI (${element.ai}) appears twice with different values ${JSON.stringify(earlier)} and ${JSON.stringify(element.raw)}`,
        element.position,
        element.ai,
      );
    }
  }
}
