import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "../gs1/check-digit.js";
import { decodeSgtin96, encodeSgtin96 } from "./sgtin96.js";

describe("SGTIN-96", () => {
  // TDS 2.x Annex E (encoding example): urn:epc:tag:sgtin-96:3.0614141.812345.6789
  it("decodes the Tag Data Standard's worked example", () => {
    const result = decodeSgtin96("3074257BF7194E4000001A85");
    expect(result).toEqual({
      ok: true,
      value: {
        scheme: "sgtin-96",
        filter: 3,
        partition: 5,
        companyPrefix: "0614141",
        itemReference: "812345",
        serial: "6789",
        gtin: "80614141123458",
        pureIdentityUri: "urn:epc:id:sgtin:0614141.812345.6789",
        tagUri: "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
      },
    });
  });

  it("encodes the worked example back to the same hex", () => {
    expect(encodeSgtin96({ gtin: "80614141123458", companyPrefixDigits: 7, serial: 6789, filter: 3 })).toEqual({
      ok: true,
      value: "3074257BF7194E4000001A85",
    });
  });

  it.each([
    ["", "TALLY_ERR_EPC_LENGTH"],
    ["3074257BF7194E4000001A8", "TALLY_ERR_EPC_LENGTH"],
    ["3074257BF7194E4000001A85FF", "TALLY_ERR_EPC_LENGTH"],
    ["3074257BF7194E4000001AZZ", "TALLY_ERR_EPC_NOT_HEX"],
    ["３074257BF7194E4000001A85", "TALLY_ERR_EPC_NOT_HEX"],
    ["E2801160600002054E3F1A85", "TALLY_ERR_EPC_HEADER"],
    ["307C257BF7194E4000001A85", "TALLY_ERR_EPC_PARTITION"],
  ])("refuses %j with %s", (hex, code) => {
    const result = decodeSgtin96(hex);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it("refuses serials the scheme forbids", () => {
    const base = { gtin: "80614141123458", companyPrefixDigits: 7 };
    expect(encodeSgtin96({ ...base, serial: "007" })).toMatchObject({
      ok: false,
      error: { code: "TALLY_ERR_EPC_SERIAL" },
    });
    expect(encodeSgtin96({ ...base, serial: 2n ** 38n })).toMatchObject({
      ok: false,
      error: { code: "TALLY_ERR_EPC_SERIAL" },
    });
    expect(encodeSgtin96({ ...base, serial: "A1" })).toMatchObject({
      ok: false,
      error: { code: "TALLY_ERR_EPC_SERIAL" },
    });
    expect(encodeSgtin96({ ...base, companyPrefixDigits: 5, serial: 1 })).toMatchObject({
      ok: false,
      error: { code: "TALLY_ERR_EPC_PARTITION" },
    });
  });

  it("round-trips every partition, filter and serial", () => {
    const fields = fc
      .record({
        cpDigits: fc.integer({ min: 6, max: 12 }),
        digits: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 13, maxLength: 13 }),
        filter: fc.integer({ min: 0, max: 7 }),
        serial: fc.bigInt({ min: 0n, max: 2n ** 38n - 1n }),
      })
      .map(({ cpDigits, digits, filter, serial }) => {
        const body = digits.join("");
        return { gtin: body + String(gs1CheckDigit(body)), companyPrefixDigits: cpDigits, filter, serial };
      });
    fc.assert(
      fc.property(fields, (f) => {
        const hex = encodeSgtin96(f);
        if (!hex.ok) return false;
        const decoded = decodeSgtin96(hex.value);
        return (
          decoded.ok &&
          decoded.value.gtin === f.gtin &&
          decoded.value.serial === f.serial.toString() &&
          decoded.value.filter === f.filter &&
          decoded.value.companyPrefix.length === f.companyPrefixDigits
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (s) => {
        const r = decodeSgtin96(s);
        return typeof r.ok === "boolean";
      }),
    );
  });
});
