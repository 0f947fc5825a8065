import { describe, expect, it } from "vitest";
import {
  gs1CheckCharacterPair,
  gs1CheckDigit,
  hasValidCheckCharacterPair,
  hasValidCheckDigit,
  hasValidCheckDigitAt,
  toGtin14,
} from "./check-digit.js";

describe("GS1 check digit (General Specifications §7.9.1)", () => {
  it.each([
    ["950600013435", 2], // GTIN-13 9506000134352, the GS1 General Specifications' example GTIN
    ["0950600013435", 2], // the same GTIN as GTIN-14
    ["8061414112345", 8], // GTIN-14 of the TDS SGTIN-96 example
  ])("%s → %i", (body, digit) => {
    expect(gs1CheckDigit(body)).toBe(digit);
  });

  it("validates and refuses", () => {
    expect(hasValidCheckDigit("09506000134352")).toBe(true);
    expect(hasValidCheckDigit("09506000134353")).toBe(false);
    expect(hasValidCheckDigit("")).toBe(false);
    expect(hasValidCheckDigit("0950600013435x")).toBe(false);
  });

  it("pads GTIN-8/12/13 to GTIN-14 and refuses other lengths", () => {
    expect(toGtin14("9506000134352")).toBe("09506000134352");
    expect(toGtin14("12345670")).toBe("00000012345670");
    expect(toGtin14("123")).toBeUndefined();
  });
});

describe("check digit spans and alphanumeric check pairs", () => {
  it("checks a span inside a longer value (GRAI, AI 8003: digits 2–14)", () => {
    expect(hasValidCheckDigitAt("09506000134352ABC", 0, 14)).toBe(true);
    expect(hasValidCheckDigitAt("009506000134352", 1, 14)).toBe(true);
    expect(hasValidCheckDigitAt("0950600013435", 0, 14)).toBe(false);
  });

  // §7.9.1 figure 7.9.1-2 works the SSCC 37610425002123456 through to check digit 9.
  it("computes the SSCC check digit of the General Specifications' worked example", () => {
    expect(gs1CheckDigit("37610425002123456")).toBe(9);
    expect(hasValidCheckDigit("376104250021234569")).toBe(true);
  });

  // §7.9.5: the GMN example 1987654Ad4X4bL5ttr2310c has the check pair "2K"
  // (the GS1 Barcode Syntax Dictionary's csumalpha linter tests the same).
  it("computes the GMN check character pair (§7.9.5)", () => {
    expect(gs1CheckCharacterPair("1987654Ad4X4bL5ttr2310c")).toBe("2K");
    expect(hasValidCheckCharacterPair("1987654Ad4X4bL5ttr2310c2K")).toBe(true);
    expect(hasValidCheckCharacterPair("1987654Ad4X4bL5ttr2310cXK")).toBe(false);
    expect(hasValidCheckCharacterPair("2")).toBe(false);
    expect(gs1CheckCharacterPair("a b")).toBeUndefined();
  });
});
