import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GS1_AI_TABLE, type Gs1AiDefinition, type Gs1Component, isDigitalLinkPrimaryKey } from "./ai-table.js";
import { gs1CheckCharacterPair, gs1CheckDigit } from "./check-digit.js";
import { yearFromTwoDigits } from "./decode-element.js";
import { elementsToDigitalLink } from "./elements-to-digital-link.js";
import { formatBracketed } from "./format-bracketed.js";
import { formatRaw } from "./format-raw.js";
import type { Gs1Result } from "./gs1-result.js";
import { parseGs1 } from "./parse-gs1.js";
import { parseGs1Bracketed } from "./parse-gs1-bracketed.js";
import { parseGs1DigitalLink } from "./parse-gs1-digital-link.js";
import { parseGs1Raw } from "./parse-gs1-raw.js";

const REFERENCE = new Date("2025-06-15T00:00:00Z");
const options = { referenceDate: REFERENCE };
const RUNS = 2000;

// GS1 General Specifications §7.11: the character sets of AI data.
const CHARS = {
  N: "0123456789",
  X: "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
  Y: "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  Z: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=",
} as const;

const chars = (set: keyof typeof CHARS, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...CHARS[set]), minLength: min, maxLength: max });

const pad2 = (n: number) => String(n).padStart(2, "0");

/** A valid YYMMDD within the §7.12 window of the reference year, and its ISO date. */
const yymmdd = (dayZero: boolean) =>
  fc
    .record({
      offset: fc.integer({ min: -49, max: 50 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: dayZero ? 0 : 1, max: 31 }),
    })
    .map(({ offset, month, day }) => {
      const year = REFERENCE.getUTCFullYear() + offset;
      const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
      const d = Math.min(day, last);
      const raw = `${pad2(year % 100)}${pad2(month)}${pad2(d)}`;
      return { raw, iso: `${year}-${pad2(month)}-${pad2(d === 0 ? last : d)}` };
    });

const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => pad2(h) + pad2(m));

function componentValue(component: Gs1Component): fc.Arbitrary<string> {
  const value = chars(component.charset, component.min === component.max ? component.max : 1, component.max);
  return component.optional ? fc.option(value, { nil: "" }) : value;
}

/** A valid value for `definition`: right length and charset, check digit, real dates. */
function validRaw(definition: Gs1AiDefinition): fc.Arbitrary<string> {
  const spec = definition.value;
  if (spec.kind === "date") return yymmdd(spec.dayZero).map((d) => d.raw);
  if (spec.kind === "date-range") {
    return fc
      .tuple(yymmdd(false), fc.option(yymmdd(false), { nil: undefined }))
      .map(([a, b]) => a.raw + (b?.raw ?? ""));
  }
  if (spec.kind === "datetime") {
    const time =
      definition.ai === "8008"
        ? fc.constantFrom("14", "1430", "143059")
        : definition.ai === "7011"
          ? fc.option(hhmm, { nil: "" })
          : hhmm;
    return fc.tuple(yymmdd(spec.dayZero), time).map(([d, t]) => d.raw + t);
  }
  if (definition.checkCharacterPair) {
    return chars("X", 1, definition.maxLength - 2).map((body) => body + (gs1CheckCharacterPair(body) ?? ""));
  }
  return fc.tuple(...definition.components.map(componentValue)).map((parts) => {
    let raw = parts.join("");
    const check = definition.checkDigit;
    if (check) {
      const body = raw.slice(check.start, check.start + check.length - 1);
      raw = raw.slice(0, check.start + check.length - 1) + gs1CheckDigit(body) + raw.slice(check.start + check.length);
    }
    return raw;
  });
}

const DEFINITIONS = [...GS1_AI_TABLE.values()];
const element = fc.constantFrom(...DEFINITIONS).chain((d) => validRaw(d).map((raw) => ({ ai: d.ai, raw })));
const elementList = fc.uniqueArray(element, { selector: (e) => e.ai, minLength: 1, maxLength: 8 });

/** A valid Digital Link element list: a primary key, some of its qualifiers in order, then attributes. */
const digitalLinkElements = fc.constantFrom(...DEFINITIONS.filter((d) => d.dlQualifiers)).chain((key) =>
  fc
    .record({
      keyRaw: validRaw(key),
      order: fc.constantFrom(...(key.dlQualifiers ?? [[]])),
      picks: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      attributes: fc.uniqueArray(
        fc
          .constantFrom(
            ...DEFINITIONS.filter(
              (d) => !isDigitalLinkPrimaryKey(d.ai) && !(key.dlQualifiers ?? []).some((o) => o.includes(d.ai)),
            ),
          )
          .chain((d) => validRaw(d).map((raw) => ({ ai: d.ai, raw }))),
        { selector: (e) => e.ai, maxLength: 5 },
      ),
    })
    .chain(({ keyRaw, order, picks, attributes }) => {
      const chosen = order.filter((_, i) => picks[i]);
      const qualifiers = chosen.map((ai) => {
        const definition = GS1_AI_TABLE.get(ai);
        return definition ? validRaw(definition).map((raw) => ({ ai, raw })) : fc.constant({ ai, raw: "" });
      });
      return fc.tuple(...qualifiers).map((q) => [{ ai: key.ai, raw: keyRaw }, ...q, ...attributes]);
    }),
);

/** Elements without their positions, which differ from form to form. */
function withoutPositions(result: Gs1Result) {
  if (!result.ok) return result.errors;
  return result.value.elements.map(({ position: _, ...rest }) => rest);
}

describe("round trips (fast-check)", () => {
  it("elements → bracketed → parse gives the same elements", () => {
    fc.assert(
      fc.property(elementList, (elements) => {
        const result = parseGs1Bracketed(formatBracketed(elements), options);
        expect(result.ok ? result.value.elements.map(({ ai, raw }) => ({ ai, raw })) : result.errors).toEqual(elements);
      }),
      { numRuns: RUNS },
    );
  });

  it("elements → raw with GS (and a symbology identifier) → parse gives the same elements as bracketed", () => {
    fc.assert(
      fc.property(elementList, fc.constantFrom("", "]C1", "]d2", "]Q3", "]e0", "]J1"), (elements, identifier) => {
        const raw = parseGs1Raw(formatRaw(elements, identifier), options);
        expect(withoutPositions(raw)).toEqual(withoutPositions(parseGs1Bracketed(formatBracketed(elements), options)));
        expect(raw.ok && raw.value.elements.map(({ ai, raw: value }) => ({ ai, raw: value }))).toEqual(elements);
      }),
      { numRuns: RUNS },
    );
  });

  it("elements → Digital Link → parse gives the same elements, typed as in the other forms", () => {
    fc.assert(
      fc.property(
        digitalLinkElements,
        fc.constantFrom("https://id.gs1.org", "https://example.com/a/b", "HTTP://x:8080"),
        (elements, base) => {
          const uri = elementsToDigitalLink(elements, base);
          expect(uri.ok).toBe(true);
          if (!uri.ok) return;
          const parsed = parseGs1DigitalLink(uri.value, options);
          expect(parsed.ok && parsed.value.elements.map(({ ai, raw }) => ({ ai, raw }))).toEqual(elements);
          expect(parsed.ok && parsed.value.digitalLinkStem).toBe(base);
          expect(withoutPositions(parsed)).toEqual(withoutPositions(parseGs1Raw(formatRaw(elements), options)));
        },
      ),
      { numRuns: RUNS },
    );
  });

  // §7.12 and §3.4: every valid date reads back as its calendar day, DD = 00 as the month's last.
  it("reads every YYMMDD of the window as its ISO date (§7.12, §3.4)", () => {
    fc.assert(
      fc.property(yymmdd(true), ({ raw, iso }) => {
        const result = parseGs1(`(17)${raw}`, options);
        expect(result.ok && result.value.elements[0]?.value).toBe(iso);
        const year = yearFromTwoDigits(Number(raw.slice(0, 2)), 2025);
        expect(year - 2025).toBeGreaterThanOrEqual(-49);
        expect(year - 2025).toBeLessThanOrEqual(50);
      }),
      { numRuns: RUNS },
    );
  });
});

const FRAGMENTS = [
  "(",
  ")",
  "\\(",
  "01",
  "09506000134352",
  "17",
  "251231",
  "250231",
  "10",
  "ABC",
  "3103",
  "000123",
  "8006",
  "\u001d",
  "]d2",
  "]C1",
  "]x",
  "%",
  "%2",
  "%41",
  "%zz",
  "%00",
  "https://",
  "HTTP://",
  "a",
  "/",
  "?",
  "=",
  "&",
  "#",
  "+",
  "Ä",
  "\u0000",
  "\ud800",
  "😀",
  " ",
  "9",
  "00",
  "99",
  "[::1]",
];
const hostile = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((parts) => parts.join("")),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 20 }).map((parts) => `https://id.gs1.org/${parts.join("")}`),
);

describe("parsers never throw (fast-check)", () => {
  it.each([
    ["parseGs1", parseGs1],
    ["parseGs1Raw", parseGs1Raw],
    ["parseGs1Bracketed", parseGs1Bracketed],
    ["parseGs1DigitalLink", parseGs1DigitalLink],
  ])("%s returns a result for any string, problems within the input", (_, parse) => {
    fc.assert(
      fc.property(hostile, (input) => {
        const result = parse(input, options);
        if (result.ok) {
          expect(result.value.elements.length).toBeGreaterThan(0);
          return;
        }
        expect(result.errors.length).toBeGreaterThan(0);
        for (const problem of result.errors) {
          expect(problem.code).toMatch(/^TALLY_ERR_GS1_/);
          expect(Number.isInteger(problem.position)).toBe(true);
          expect(problem.position).toBeGreaterThanOrEqual(0);
          expect(problem.position).toBeLessThanOrEqual(input.length);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("survives an invalid reference date", () => {
    expect(parseGs1("(17)251231", { referenceDate: new Date(Number.NaN) }).ok).toBe(true);
  });
});
