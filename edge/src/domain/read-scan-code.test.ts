import { describe, expect, it } from "vitest";
import { readScanCode } from "./read-scan-code.js";

const GS = "\u001d";
const reference = new Date("2026-11-22T08:00:00Z");

describe("readScanCode", () => {
  it("reads GTIN, batch, expiry and count from each GS1 form alike", () => {
    const expected = { gtin: "00614141000012", lot: "L42", expiry: "2027-06-30", count: 12 };
    expect(readScanCode("(01)00614141000012(17)270630(10)L42(30)12", reference)).toEqual({ ok: true, value: expected });
    // GS1 DataMatrix (]d2): FNC1 as GS after the variable-length batch.
    expect(readScanCode(`]d201006141410000121727063010L42${GS}3012`, reference)).toEqual({
      ok: true,
      value: expected,
    });
    expect(readScanCode("https://id.gs1.org/01/00614141000012/10/L42?17=270630&30=12", reference)).toEqual({
      ok: true,
      value: expected,
    });
  });

  it("reads the last day of the month for DD=00 (GS1 Gen Specs: expiry dates)", () => {
    expect(readScanCode("(01)00614141000012(17)270200", reference)).toMatchObject({
      ok: true,
      value: { expiry: "2027-02-28" },
    });
  });

  it("refuses bad GS1 data with every problem and its position", () => {
    const result = readScanCode("(01)00614141000013(17)270231", reference);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("TALLY_ERR_BARCODE_INVALID");
    expect(result.error.reason).toContain("TALLY_ERR_GS1_CHECK_DIGIT");
    expect(result.error.reason).toContain("TALLY_ERR_GS1_DATE");
    expect(result.error.reason).toMatch(/at \d+/);
  });

  it("refuses a barcode that names no trade item", () => {
    expect(readScanCode("(00)106141411234567897", reference)).toMatchObject({
      ok: false,
      error: { code: "TALLY_ERR_BARCODE_INVALID", reason: expect.stringContaining("no GTIN") },
    });
  });

  it.each(["", "x".repeat(100_000), "]d2", "(01", "\u0000\u0001", "https://id.gs1.org/01/"])(
    "refuses %j without throwing",
    (code) => {
      expect(readScanCode(code, reference).ok).toBe(false);
    },
  );
});

describe("readScanCode: every code a warehouse scanner meets", () => {
  it.each([
    ["]E09506000134352", "09506000134352"],
    ["9506000134352", "09506000134352"],
    ["]E00012345678905", "00012345678905"],
    ["012345678905", "00012345678905"],
    ["]E400210126", "00000000210126"],
    ["00210126", "00000000210126"],
    ["]E3006099201118712", "00060992011187"],
  ])("reads retail symbol %s as GTIN %s", (code, gtin) => {
    expect(readScanCode(code, reference)).toEqual({ ok: true, value: { gtin } });
  });

  it.each([
    "]Q1https://id.gs1.org/01/00614141000012/10/L42?17=270630&30=12",
    "]d1HTTPS://SHOP.EXAMPLE.COM/dl/01/00614141000012/10/L%342?17=270630&30=12",
    `${GS}01006141410000121727063010L42${GS}3012`,
    "]C101006141410000121727063010L42\u001d3012",
  ])("reads %s alike", (code) => {
    expect(readScanCode(code, reference)).toEqual({
      ok: true,
      value: { gtin: "00614141000012", lot: "L42", expiry: "2027-06-30", count: 12 },
    });
  });

  it.each([
    ["9506000134353", "TALLY_ERR_GS1_CHECK_DIGIT at 12"],
    ["]E112", "TALLY_ERR_GS1_SYMBOLOGY at 0"],
    ["]Q1https://id.gs1.org@evil.example/01/09506000134352", "TALLY_ERR_GS1_DL_DOMAIN at 21"],
    ["]E09506000134352]d20109506000134352", "TALLY_ERR_GS1_SYMBOLOGY at 16"],
  ])("refuses %j with the problem in the reason", (code, problem) => {
    const result = readScanCode(code, reference);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.error.reason).toContain(problem);
  });
});
