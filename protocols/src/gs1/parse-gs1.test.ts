import { describe, expect, it } from "vitest";
import { elementsToDigitalLink } from "./elements-to-digital-link.js";
import { formatBracketed } from "./format-bracketed.js";
import { formatRaw } from "./format-raw.js";
import { type Gs1Result, MAX_GS1_INPUT_LENGTH } from "./gs1-result.js";
import { parseGs1 } from "./parse-gs1.js";
import { parseGs1Bracketed } from "./parse-gs1-bracketed.js";
import { parseGs1DigitalLink } from "./parse-gs1-digital-link.js";
import { GS, parseGs1Raw } from "./parse-gs1-raw.js";

const options = { referenceDate: new Date("2025-06-15T00:00:00Z") };

function elementsOf(result: Gs1Result) {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value.elements.map(({ ai, raw, value, unit, currency }) => ({ ai, raw, value, unit, currency }));
}

function codesOf(result: Gs1Result) {
  return result.ok ? [] : result.errors.map(({ code, position }) => [code, position]);
}

describe("bracketed element strings (General Specifications §4.15, human-readable interpretation)", () => {
  // GTIN 09506000134352 is the General Specifications' example GTIN.
  it("reads (01)09506000134352(17)201225(10)ABC123", () => {
    const result = parseGs1Bracketed("(01)09506000134352(17)201225(10)ABC123", options);
    expect(result).toEqual({
      ok: true,
      value: {
        form: "bracketed",
        elements: [
          { ai: "01", title: "GTIN", raw: "09506000134352", value: "09506000134352", position: 0 },
          { ai: "17", title: "USE BY OR EXPIRY", raw: "201225", value: "2020-12-25", position: 18 },
          { ai: "10", title: "BATCH/LOT", raw: "ABC123", value: "ABC123", position: 28 },
        ],
      },
    });
  });

  // §3.6: the fourth digit of 31nn–36nn and 39nn is the number of decimal places.
  it("types measures, amounts and prices with units and currencies (§3.6)", () => {
    expect(
      elementsOf(parseGs1("(3103)000123(3202)012345(3300)001234(3922)1999(3932)97812345(3941)0250", options)),
    ).toEqual([
      { ai: "3103", raw: "000123", value: 0.123, unit: "kg", currency: undefined },
      { ai: "3202", raw: "012345", value: 123.45, unit: "lb", currency: undefined },
      { ai: "3300", raw: "001234", value: 1234, unit: "kg", currency: undefined },
      { ai: "3922", raw: "1999", value: 19.99, unit: undefined, currency: undefined },
      { ai: "3932", raw: "97812345", value: 123.45, unit: undefined, currency: "978" },
      { ai: "3941", raw: "0250", value: 25, unit: "%", currency: undefined },
    ]);
  });

  it("types counts, date-times, harvest ranges and production times", () => {
    const result = parseGs1("(30)00000012(7003)2012251430(7007)201201201224(8008)20122514(7011)201225", options);
    expect(elementsOf(result).map((e) => e.value)).toEqual([
      12,
      "2020-12-25T14:30",
      "2020-12-01/2020-12-24",
      "2020-12-25T14:00",
      "2020-12-25",
    ]);
  });

  // §7.12: two-digit years fall within 49 years before to 50 years after the reference year.
  it.each([
    ["750101", "2075-01-01"],
    ["760101", "1976-01-01"],
    ["250615", "2025-06-15"],
    ["000101", "2000-01-01"],
  ])("(17)%s → %s against 2025 (§7.12 century rule)", (yymmdd, iso) => {
    expect(elementsOf(parseGs1(`(17)${yymmdd}`, options))[0]?.value).toBe(iso);
  });

  it("reads the century against the injected reference date (§7.12)", () => {
    const in2080 = { referenceDate: new Date("2080-01-01T00:00:00Z") };
    expect(elementsOf(parseGs1("(11)300101", in2080))[0]?.value).toBe("2130-01-01");
    expect(elementsOf(parseGs1("(11)310101", in2080))[0]?.value).toBe("2031-01-01");
  });

  // §3.4 (AIs 11–17): DD = 00 means the last day of the month; leap years count.
  it.each([
    ["(17)240200", "2024-02-29"],
    ["(17)250200", "2025-02-28"],
    ["(15)251100", "2025-11-30"],
    ["(11)251200", "2025-12-31"],
  ])("%s → %s (DD = 00)", (input, iso) => {
    expect(elementsOf(parseGs1(input, options))[0]?.value).toBe(iso);
  });

  it("refuses DD = 00 where the AI has no such rule (7006 first freeze date)", () => {
    expect(codesOf(parseGs1("(7006)250200", options))).toEqual([["TALLY_ERR_GS1_DATE", 10]]);
  });

  it("reads an escaped bracket inside a value", () => {
    expect(elementsOf(parseGs1("(10)AB\\(C(21)1", options)).map((e) => e.raw)).toEqual(["AB(C", "1"]);
  });
});

describe("raw element strings with FNC1 as GS (§7.8) and symbology identifiers", () => {
  // Solidsoft GS1-AI-Validating-Parser wiki, "GS1 Data Example".
  it("reads 010506091751001110628S93R<GS>17241000218898847482518646", () => {
    const result = parseGs1Raw(`]d2010506091751001110628S93R${GS}17241000218898847482518646`, options);
    expect(result.ok && result.value.symbology).toBe("GS1 DataMatrix");
    expect(result.ok && result.value.symbologyIdentifier).toBe("]d2");
    expect(elementsOf(result)).toEqual([
      { ai: "01", raw: "05060917510011", value: "05060917510011", unit: undefined, currency: undefined },
      { ai: "10", raw: "628S93R", value: "628S93R", unit: undefined, currency: undefined },
      { ai: "17", raw: "241000", value: "2024-10-31", unit: undefined, currency: undefined },
      { ai: "21", raw: "8898847482518646", value: "8898847482518646", unit: undefined, currency: undefined },
    ]);
    expect(result.ok && result.value.elements.map((e) => e.position)).toEqual([3, 19, 29, 37]);
  });

  it.each([
    ["]C1", "GS1-128"],
    ["]d2", "GS1 DataMatrix"],
    ["]Q3", "GS1 QR Code"],
    ["]e0", "GS1 DataBar"],
    ["]J1", "GS1 DotCode"],
  ])("reports symbology identifier %s as %s", (identifier, symbology) => {
    const result = parseGs1Raw(`${identifier}0109506000134352`, options);
    expect(result.ok && result.value.symbology).toBe(symbology);
  });

  it("needs no GS after predefined-length AIs and one after the others", () => {
    const data = `01095060001343521725123110ABC${GS}3103000500`;
    expect(elementsOf(parseGs1Raw(data, options)).map((e) => e.ai)).toEqual(["01", "17", "10", "3103"]);
    expect(
      formatRaw([
        { ai: "01", raw: "09506000134352" },
        { ai: "17", raw: "251231" },
        { ai: "10", raw: "ABC" },
        { ai: "3103", raw: "000500" },
      ]),
    ).toBe(data);
  });
});

describe("FNC1 in first position transmitted as a leading GS (§7.8)", () => {
  it("reads the element string after it, GS separating variable-length values", () => {
    const result = parseGs1(`${GS}010506091751001110628S93R${GS}17241000218898847482518646`, options);
    expect(elementsOf(result).map((e) => [e.ai, e.raw])).toEqual([
      ["01", "05060917510011"],
      ["10", "628S93R"],
      ["17", "241000"],
      ["21", "8898847482518646"],
    ]);
    expect(result.ok && result.value.elements.map((e) => e.position)).toEqual([1, 17, 27, 35]);
    expect(result.ok && result.value.symbologyIdentifier).toBeUndefined();
  });

  it("reads a leading GS before an element string as long as a retail symbol would be", () => {
    // 8 digits: (11) production date; with the GS it is not read as an EAN-8.
    expect(elementsOf(parseGs1(`${GS}11250615`, options)).map((e) => [e.ai, e.value])).toEqual([["11", "2025-06-15"]]);
  });

  it.each([
    ["]C1", "GS1-128"],
    ["]e0", "GS1 DataBar"],
    ["]d2", "GS1 DataMatrix"],
    ["]Q3", "GS1 QR Code"],
  ])("still reads %s element strings (%s) through parseGs1", (identifier, symbology) => {
    const result = parseGs1(`${identifier}0109506000134352`, options);
    expect(result.ok && result.value.symbology).toBe(symbology);
  });
});

describe("GS1 Digital Link URIs in a plain QR Code (]Q1) or Data Matrix (]d1)", () => {
  // GS1 Digital Link Standard examples, as the bwipp wiki reproduces them.
  it.each([
    ["]Q1https://id.gs1.org/01/09521234543213/10/ABC123/21/12345", ["01", "10", "21"]],
    ["]d1https://id.gs1.org/00/106141411234567897", ["00"]],
    ["]Q1https://example.com/products/01/09521234543213", ["01"]],
  ])("reads the worked example %s", (input, ais) => {
    expect(elementsOf(parseGs1(input, options)).map((e) => e.ai)).toEqual(ais);
  });

  it.each([
    ["]Q1https://id.gs1.org/01/09506000134352/10/ABC123?17=251231", "QR Code"],
    ["]d1https://id.gs1.org/01/09506000134352/10/ABC123?17=251231", "Data Matrix"],
    ["]Q1HTTPS://ID.GS1.ORG/01/09506000134352/10/ABC123?17=251231", "QR Code"],
    ["]Q1https://Example.COM/shop/01/09506000134352/10/ABC123?17=251231&linkType=all", "QR Code"],
    ["]Q1https://example.com/01/09506000134352/10/AB%43123?17=251231", "QR Code"],
  ])("reads %s", (input, symbology) => {
    const result = parseGs1(input, options);
    expect(elementsOf(result).map((e) => [e.ai, e.raw])).toEqual([
      ["01", "09506000134352"],
      ["10", "ABC123"],
      ["17", "251231"],
    ]);
    expect(result.ok && result.value.symbology).toBe(symbology);
    expect(result.ok && result.value.form).toBe("digital-link");
    expect(result.ok && result.value.elements[0]?.position).toBe(input.indexOf("/01/") + 1);
  });

  it.each([
    ["]Q1", [["TALLY_ERR_GS1_SYMBOLOGY", 0]]],
    ["]Q1hello", [["TALLY_ERR_GS1_SYMBOLOGY", 0]]],
    ["]d10109506000134352", [["TALLY_ERR_GS1_SYMBOLOGY", 0]]],
    ["]Q1javascript:alert(1)//01/09506000134352", [["TALLY_ERR_GS1_SYMBOLOGY", 0]]],
    ["]Q1HtTpS://a/01/09506000134352", [["TALLY_ERR_GS1_DL_SCHEME", 3]]],
    ["]Q1https://id.gs1.org@evil.example/01/09506000134352", [["TALLY_ERR_GS1_DL_DOMAIN", 21]]],
    [
      "]Q1https://a/01/09506000134352/10/A%00B",
      [
        ["TALLY_ERR_GS1_DL_PERCENT", 35],
        ["TALLY_ERR_GS1_CHARSET", 35],
      ],
    ],
    [
      "]Q1https://a/01/09506000134352/10/A\u0000B",
      [
        ["TALLY_ERR_GS1_DL_CHARACTER", 35],
        ["TALLY_ERR_GS1_CHARSET", 35],
      ],
    ],
    ["]Q1https://a/01/09506000134353", [["TALLY_ERR_GS1_CHECK_DIGIT", 29]]],
    [
      "]Q1https://a/01/09506000134352?01=09506000134352",
      [
        ["TALLY_ERR_GS1_DL_QUERY_AI", 31],
        ["TALLY_ERR_GS1_DUPLICATE_AI", 31],
      ],
    ],
    ["]Q1]d2https://id.gs1.org/01/09506000134352", [["TALLY_ERR_GS1_SYMBOLOGY", 0]]],
    ["]d1]Q1https://id.gs1.org/01/09506000134352", [["TALLY_ERR_GS1_SYMBOLOGY", 0]]],
    [
      `]Q1https://a/01/09506000134352?x=${"y".repeat(MAX_GS1_INPUT_LENGTH)}`,
      [["TALLY_ERR_GS1_INPUT_TOO_LONG", MAX_GS1_INPUT_LENGTH + 3]],
    ],
    // A Digital Link behind a GS1 identifier is not an element string.
    ["]d2https://id.gs1.org/01/09506000134352", [["TALLY_ERR_GS1_SYNTAX", 3]]],
  ])("refuses %s → %j", (input, expected) => {
    expect(codesOf(parseGs1(input, options))).toEqual(expected);
  });
});

describe("GS1 Digital Link URIs (GS1 Digital Link Standard: URI Syntax)", () => {
  // bwipp/postscriptbarcode wiki, "GS1 Digital Link URIs".
  it.each([
    ["https://id.gs1.org/01/09521234543213", ["01"]],
    ["https://id.gs1.org/01/09521234543213/10/ABC123/21/12345", ["01", "10", "21"]],
    ["https://id.gs1.org/01/09521234543213/10/ABC123?17=261231", ["01", "10", "17"]],
    ["https://id.gs1.org/00/106141411234567897", ["00"]],
    ["https://example.com/products/01/09521234543213", ["01"]],
    // Solidsoft-Reply/Gs1DigitalLinkLib feature files.
    ["https://id.gs1.org/01/05412345000013/22/AJY3095721P49/10/ABC123/21/72292641703", ["01", "22", "10", "21"]],
    ["https://id.gs1.org/00/998440410914660971", ["00"]],
    // GS1 Barcode Syntax Engine (dl.c) test vectors: case of the scheme, custom stems, hosts.
    ["http://a/00/006141411234567890", ["00"]],
    ["HTTPS://a/00/006141411234567890", ["00"]],
    ["https://a/more/stem/00/006141411234567890", ["00"]],
    ["https://a/00/faux/00/006141411234567890", ["00"]],
    ["https://a:65535/01/12312312312333", ["01"]],
    ["https://[2001:db8::1]/01/12312312312333", ["01"]],
  ])("reads %s", (uri, ais) => {
    expect(elementsOf(parseGs1DigitalLink(uri, options)).map((e) => e.ai)).toEqual(ais);
  });

  it("reads the brief's example, its stem and typed expiry", () => {
    const result = parseGs1("https://id.gs1.org/01/09506000134352/10/ABC123?17=201225", options);
    expect(result.ok && result.value.digitalLinkStem).toBe("https://id.gs1.org");
    expect(elementsOf(result).map((e) => e.value)).toEqual(["09506000134352", "ABC123", "2020-12-25"]);
    expect(result.ok && result.value.elements.map((e) => e.position)).toEqual([19, 37, 47]);
  });

  // Solidsoft-Reply/Gs1DigitalLinkLib "AdditionalUriContent": non-GS1 pairs are kept aside.
  it("keeps non-GS1 query parameters aside and ignores the fragment", () => {
    const result = parseGs1DigitalLink(
      "https://id.gs1.org/01/05412345000013/10/ABC123?17=290331&arv=true&donor=bmgf#x",
      options,
    );
    expect(result.ok && result.value.otherQueryParameters).toEqual(["arv=true", "donor=bmgf"]);
    expect(elementsOf(result).map((e) => e.value)).toEqual(["05412345000013", "ABC123", "2029-03-31"]);
  });

  it("percent-decodes path and query values", () => {
    const result = parseGs1DigitalLink("https://example.com/01/09506000134352/22/ABC%2D123?99=XYZ%2F987", options);
    expect(elementsOf(result).map((e) => e.raw)).toEqual(["09506000134352", "ABC-123", "XYZ/987"]);
  });

  it("writes the primary key, its qualifiers in order and the attributes as a query", () => {
    const elements = [
      { ai: "17", raw: "201225" },
      { ai: "21", raw: "A/B" },
      { ai: "01", raw: "09506000134352" },
      { ai: "10", raw: "ABC123" },
    ];
    expect(elementsToDigitalLink(elements)).toEqual({
      ok: true,
      value: "https://id.gs1.org/01/09506000134352/10/ABC123/21/A%2FB?17=201225",
    });
    expect(elementsToDigitalLink(elements, "https://example.com/shop/")).toMatchObject({
      value: "https://example.com/shop/01/09506000134352/10/ABC123/21/A%2FB?17=201225",
    });
    expect(elementsToDigitalLink([{ ai: "10", raw: "A" }])).toMatchObject({ ok: false });
    expect(
      elementsToDigitalLink([
        { ai: "01", raw: "09506000134352" },
        { ai: "00", raw: "106141411234567897" },
      ]),
    ).toMatchObject({ ok: false });
    expect(elementsToDigitalLink(elements, "ftp://x")).toMatchObject({ ok: false });
  });

  it("formats the bracketed form back", () => {
    expect(
      formatBracketed([
        { ai: "01", raw: "09506000134352" },
        { ai: "10", raw: "A(B" },
      ]),
    ).toBe("(01)09506000134352(10)A\\(B");
  });
});

describe("hostile input: every problem, each with its position", () => {
  it("refuses empty input in every form", () => {
    for (const parse of [parseGs1, parseGs1Raw, parseGs1Bracketed, parseGs1DigitalLink]) {
      expect(codesOf(parse("", options))).toEqual([["TALLY_ERR_GS1_EMPTY", 0]]);
    }
    expect(codesOf(parseGs1Raw("]d2", options))).toEqual([["TALLY_ERR_GS1_EMPTY", 3]]);
  });

  it("refuses a 1 MB string quickly, without reading it", () => {
    const huge = `(10)${"A".repeat(1024 * 1024)}`;
    const started = performance.now();
    for (const parse of [parseGs1, parseGs1Raw, parseGs1Bracketed, parseGs1DigitalLink]) {
      expect(codesOf(parse(huge, options))).toEqual([["TALLY_ERR_GS1_INPUT_TOO_LONG", MAX_GS1_INPUT_LENGTH]]);
    }
    expect(performance.now() - started).toBeLessThan(200);
  });

  it.each([
    ["(23)123", [["TALLY_ERR_GS1_UNKNOWN_AI", 1]]],
    ["(01)0950600013435", [["TALLY_ERR_GS1_TRUNCATED", 17]]],
    ["(01)09506000134353", [["TALLY_ERR_GS1_CHECK_DIGIT", 17]]],
    ["(00)106141411234567898", [["TALLY_ERR_GS1_CHECK_DIGIT", 21]]],
    ["(414)9506000134351", [["TALLY_ERR_GS1_CHECK_DIGIT", 17]]],
    ["(17)250231", [["TALLY_ERR_GS1_DATE", 8]]],
    ["(17)251301", [["TALLY_ERR_GS1_DATE", 6]]],
    ["(7003)2512252460", [["TALLY_ERR_GS1_DATE", 12]]],
    ["(01)0950600013435X", [["TALLY_ERR_GS1_CHARSET", 17]]],
    ["(3103)00012A", [["TALLY_ERR_GS1_CHARSET", 11]]],
    ["(10)ÄBC", [["TALLY_ERR_GS1_CHARSET", 4]]],
    ["(10)A\u0000B", [["TALLY_ERR_GS1_CHARSET", 5]]],
    ["(01)０９５０６０００１３４３５２", [["TALLY_ERR_GS1_CHARSET", 4]]],
    ["(10)", [["TALLY_ERR_GS1_LENGTH", 4]]],
    ["(10)A(10)B", [["TALLY_ERR_GS1_DUPLICATE_AI", 5]]],
    ["(7007)2512011", [["TALLY_ERR_GS1_LENGTH", 12]]],
    ["(8010)abc", [["TALLY_ERR_GS1_CHARSET", 6]]],
    ["(8013)1987654Ad4X4bL5ttr2310cXK", [["TALLY_ERR_GS1_CHECK_DIGIT", 29]]],
    ["01)09506000134352", [["TALLY_ERR_GS1_SYNTAX", 0]]],
    ["(01", [["TALLY_ERR_GS1_SYNTAX", 0]]],
    ["(AB)123", [["TALLY_ERR_GS1_SYNTAX", 1]]],
  ])("bracketed %j → %j", (input, expected) => {
    expect(codesOf(parseGs1Bracketed(input, options))).toEqual(expected);
  });

  it("returns every problem of one input, not just the first", () => {
    const input = "(01)09506000134353(17)250231(11)251301(23)1(10)ÄB";
    expect(codesOf(parseGs1Bracketed(input, options))).toEqual([
      ["TALLY_ERR_GS1_CHECK_DIGIT", 17],
      ["TALLY_ERR_GS1_DATE", 26],
      ["TALLY_ERR_GS1_DATE", 34],
      ["TALLY_ERR_GS1_UNKNOWN_AI", 39],
      ["TALLY_ERR_GS1_CHARSET", 47],
    ]);
  });

  it.each([
    [`${GS}${GS}0109506000134352`, [["TALLY_ERR_GS1_SEPARATOR", 1]]],
    [GS, [["TALLY_ERR_GS1_EMPTY", 1]]],
    [`]d2${GS}0109506000134352`, [["TALLY_ERR_GS1_SEPARATOR", 3]]],
    [`0109506000134352${GS}`, [["TALLY_ERR_GS1_SEPARATOR", 16]]],
    [`10ABC${GS}${GS}17251231`, [["TALLY_ERR_GS1_SEPARATOR", 6]]],
    ["]d10109506000134352", [["TALLY_ERR_GS1_SYMBOLOGY", 0]]],
    ["2312345", [["TALLY_ERR_GS1_UNKNOWN_AI", 0]]],
    ["01095060001343", [["TALLY_ERR_GS1_TRUNCATED", 14]]],
    [`0109506000134${GS}10A`, [["TALLY_ERR_GS1_TRUNCATED", 13]]],
    // 8006 is fixed-length but not of predefined length: FNC1 must follow it.
    ["800609506000134352010210ABC", [["TALLY_ERR_GS1_MISSING_FNC1", 22]]],
    // A serial run into the next element: longer than X..20.
    ["2112345678901234567890172512311", [["TALLY_ERR_GS1_LENGTH", 22]]],
    ["10A\u0007B", [["TALLY_ERR_GS1_CHARSET", 3]]],
    ["xyz", [["TALLY_ERR_GS1_SYNTAX", 0]]],
  ])("raw %j → %j", (input, expected) => {
    expect(codesOf(parseGs1Raw(input, options))).toEqual(expected);
  });

  it.each([
    ["HtTp://a/00/006141411234567890", [["TALLY_ERR_GS1_DL_SCHEME", 0]]],
    ["ftp://a/00/006141411234567890", [["TALLY_ERR_GS1_DL_SCHEME", 0]]],
    ["https:///00/006141411234567890", [["TALLY_ERR_GS1_DL_DOMAIN", 8]]],
    ["https://a$/00/006141411234567890", [["TALLY_ERR_GS1_DL_DOMAIN", 9]]],
    ["https://a/b/c", [["TALLY_ERR_GS1_DL_NO_PRIMARY_KEY", 9]]],
    ["https://a", [["TALLY_ERR_GS1_DL_NO_PRIMARY_KEY", 9]]],
    ["https://a/01/09506000134352/21/S/10/L", [["TALLY_ERR_GS1_DL_KEY_QUALIFIER", 33]]],
    ["https://a/01/09506000134352?10=L", [["TALLY_ERR_GS1_DL_QUERY_AI", 28]]],
    ["https://a/01/09506000134352?00=106141411234567897", [["TALLY_ERR_GS1_DL_QUERY_AI", 28]]],
    ["https://a/01/09506000134352?9999=1", [["TALLY_ERR_GS1_UNKNOWN_AI", 28]]],
    ["https://a/01/09506000134352?17=", [["TALLY_ERR_GS1_DL_EMPTY_VALUE", 31]]],
    ["https://a/01/09506000134352/10/", [["TALLY_ERR_GS1_DL_EMPTY_VALUE", 31]]],
    ["https://a/01/09506000134352?17=251231&17=251231", [["TALLY_ERR_GS1_DUPLICATE_AI", 38]]],
    ["https://a/01/09506000134352/10/A%", [["TALLY_ERR_GS1_DL_PERCENT", 32]]],
    ["https://a/01/09506000134352/10/A%2", [["TALLY_ERR_GS1_DL_PERCENT", 32]]],
    ["https://a/01/09506000134352/10/A%zz", [["TALLY_ERR_GS1_DL_PERCENT", 32]]],
    [
      "https://a/01/09506000134352/10/A%00",
      [
        ["TALLY_ERR_GS1_DL_PERCENT", 32],
        ["TALLY_ERR_GS1_CHARSET", 32],
      ],
    ],
    ["https://a/01/09506000134352/10/A%C3%84", [["TALLY_ERR_GS1_CHARSET", 32]]],
    [
      "https://a/01/09506000134352/10/Ä",
      [
        ["TALLY_ERR_GS1_DL_CHARACTER", 31],
        ["TALLY_ERR_GS1_CHARSET", 31],
      ],
    ],
    ["https://a/01/09506000134352?17=250231", [["TALLY_ERR_GS1_DATE", 35]]],
    ["https://a/01/9506000134352", [["TALLY_ERR_GS1_TRUNCATED", 26]]],
  ])("Digital Link %j → %j", (input, expected) => {
    expect(codesOf(parseGs1DigitalLink(input, options))).toEqual(expected);
  });
});
