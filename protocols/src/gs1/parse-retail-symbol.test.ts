import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "./check-digit.js";
import { type Gs1Result, MAX_GS1_INPUT_LENGTH } from "./gs1-result.js";
import { parseGs1 } from "./parse-gs1.js";
import { parseRetailSymbol } from "./parse-retail-symbol.js";

function gtinOf(result: Gs1Result) {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value.elements.map(({ ai, raw }) => [ai, raw]);
}

function codesOf(result: Gs1Result) {
  return result.ok ? [] : result.errors.map(({ code, position }) => [code, position]);
}

describe("EAN/UPC symbols read as GTINs (GS1 General Specifications §3.2, ISO/IEC 15424)", () => {
  // Transmission examples from scanner manuals that follow ISO/IEC 15424:
  // UPC-A 012345678905 goes out as ]E00012345678905; EAN-8 00210126 as ]E400210126.
  it.each([
    ["]E00012345678905", "00012345678905", "EAN/UPC"],
    ["]E09506000134352", "09506000134352", "EAN/UPC"],
    ["]E01101234567891", "01101234567891", "EAN/UPC"],
    ["]E400210126", "00000000210126", "EAN-8"],
    // UPC-E sent as printed: 04252614 stands for UPC-A 042100005264.
    ["]E004252614", "00042100005264", "EAN/UPC"],
  ])("reads %s as GTIN %s (%s)", (input, gtin, symbology) => {
    const result = parseGs1(input);
    expect(gtinOf(result)).toEqual([["01", gtin]]);
    expect(result.ok && result.value.form).toBe("retail");
    expect(result.ok && result.value.symbology).toBe(symbology);
    expect(result.ok && result.value.symbologyIdentifier).toBe(input.slice(0, 3));
    expect(result.ok && result.value.elements[0]?.position).toBe(3);
  });

  it.each([
    // EAN-13 of the GS1 General Specifications' GTIN 09506000134352, a UPC-A, an EAN-8.
    ["9506000134352", "09506000134352"],
    ["012345678905", "00012345678905"],
    ["00210126", "00000000210126"],
  ])("reads bare digits %s as GTIN %s, left-padded to 14", (input, gtin) => {
    const result = parseGs1(input);
    expect(gtinOf(result)).toEqual([["01", gtin]]);
    expect(result.ok && result.value.symbology).toBeUndefined();
  });

  it.each([
    ["]E01101234567891]E112", "01101234567891", "12"],
    ["]E00012345678905]E212345", "00012345678905", "12345"],
    ["]E400210126]E212345", "00000000210126", "12345"],
    ["]E3110123456789112", "01101234567891", "12"],
    ["]E3006099201118712", "00060992011187", "12"],
    ["]E3006099201118712345", "00060992011187", "12345"],
    ["]E004252614]E112", "00042100005264", "12"],
  ])("reads %s with its add-on", (input, gtin, addOn) => {
    const result = parseGs1(input);
    expect(gtinOf(result)).toEqual([["01", gtin]]);
    expect(result.ok && result.value.addOn).toBe(addOn);
  });

  it("round-trips every GTIN-13 and GTIN-8, bare and with its identifier (fast-check)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), fc.stringMatching(/^\d{7}$/), (body13, body8) => {
        const ean13 = `${body13}${gs1CheckDigit(body13)}`;
        const ean8 = `${body8}${gs1CheckDigit(body8)}`;
        expect(gtinOf(parseGs1(ean13))).toEqual([["01", `0${ean13}`]]);
        expect(gtinOf(parseGs1(`]E0${ean13}`))).toEqual([["01", `0${ean13}`]]);
        expect(gtinOf(parseGs1(ean8))).toEqual([["01", `000000${ean8}`]]);
        expect(gtinOf(parseGs1(`]E4${ean8}`))).toEqual([["01", `000000${ean8}`]]);
        // Any other final digit is refused.
        const wrong = (gs1CheckDigit(body13) + 1) % 10;
        expect(codesOf(parseGs1(`${body13}${wrong}`))).toEqual([["TALLY_ERR_GS1_CHECK_DIGIT", 12]]);
      }),
    );
  });
});

describe("hostile EAN/UPC input", () => {
  it.each([
    ["9506000134353", [["TALLY_ERR_GS1_CHECK_DIGIT", 12]]],
    ["012345678906", [["TALLY_ERR_GS1_CHECK_DIGIT", 11]]],
    ["]E09506000134353", [["TALLY_ERR_GS1_CHECK_DIGIT", 15]]],
    ["]E400210127", [["TALLY_ERR_GS1_CHECK_DIGIT", 10]]],
    ["]E0950600013435", [["TALLY_ERR_GS1_LENGTH", 3]]],
    ["]E0012345678905", [["TALLY_ERR_GS1_LENGTH", 3]]],
    ["]E495060001343", [["TALLY_ERR_GS1_LENGTH", 3]]],
    ["]E09506000134352]E2123", [["TALLY_ERR_GS1_LENGTH", 19]]],
    ["]E09506000134352]E2\u00001234", [["TALLY_ERR_GS1_CHARSET", 19]]],
    ["]E3950600013435312", [["TALLY_ERR_GS1_CHECK_DIGIT", 15]]],
    ["]E39506000134352", [["TALLY_ERR_GS1_LENGTH", 3]]],
    [
      "]E0\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000",
      [["TALLY_ERR_GS1_CHARSET", 3]],
    ],
    ["]E0950600013435２", [["TALLY_ERR_GS1_CHARSET", 15]]],
    // Mixed identifiers: an EAN/UPC symbol followed by something else's data.
    ["]E09506000134352]d20109506000134352", [["TALLY_ERR_GS1_SYMBOLOGY", 16]]],
    ["]E3950600013435212]E112", [["TALLY_ERR_GS1_SYMBOLOGY", 18]]],
    ["]E112", [["TALLY_ERR_GS1_SYMBOLOGY", 0]]],
    ["]E212345", [["TALLY_ERR_GS1_SYMBOLOGY", 0]]],
    ["]E59506000134352", [["TALLY_ERR_GS1_SYMBOLOGY", 0]]],
    ["]E0", [["TALLY_ERR_GS1_LENGTH", 3]]],
    ["]E004252615", [["TALLY_ERR_GS1_CHECK_DIGIT", 10]]],
    ["]E024252614", [["TALLY_ERR_GS1_SYNTAX", 3]]],
    // Bare 8 digits are an EAN-8, never a UPC-E: 04252614 fails as one.
    ["04252614", [["TALLY_ERR_GS1_CHECK_DIGIT", 7]]],
  ])("%j → %j", (input, expected) => {
    expect(codesOf(parseGs1(input))).toEqual(expected);
  });

  it("refuses an oversize input without reading it", () => {
    expect(codesOf(parseRetailSymbol(`]E0${"1".repeat(MAX_GS1_INPUT_LENGTH)}`))).toEqual([
      ["TALLY_ERR_GS1_INPUT_TOO_LONG", MAX_GS1_INPUT_LENGTH],
    ]);
    expect(codesOf(parseRetailSymbol(""))).toEqual([["TALLY_ERR_GS1_EMPTY", 0]]);
  });

  it("never throws (fast-check)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (tail) => {
        for (const prefix of ["]E0", "]E3", "]E4", "]E1", ""]) {
          const result = parseRetailSymbol(`${prefix}${tail}`);
          expect(result.ok || result.errors.length > 0).toBe(true);
        }
      }),
    );
  });
});
