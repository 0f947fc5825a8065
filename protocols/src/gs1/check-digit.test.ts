import { describe, expect, it } from "vitest";
import { gs1CheckDigit, hasValidCheckDigit, toGtin14 } from "./check-digit.js";

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
