import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { check, hexOf } from "../test-support.js";

/** TDS 2.x Annex E.3, USDOD-96 row: a 5-character CAGE code, stored after a space. */
const E3_HEX = "2F320434147455900000162E";
const E3 = {
  scheme: "usdod-96",
  filter: 3,
  cageOrDodaac: "CAGEY",
  serial: "5678",
  pureIdentityUri: "urn:epc:id:usdod:CAGEY.5678",
  tagUri: "urn:epc:tag:usdod-96:3.CAGEY.5678",
};

describe("USDOD-96 (TDS 2.x §14.5)", () => {
  it("decodes the Annex E.3 example", () => {
    expect(decodeEpc(E3_HEX)).toEqual({ ok: true, value: E3 });
  });

  it("encodes the Annex E.3 tag URI and pure identity URI", () => {
    expect(encodeEpc(E3.tagUri)).toEqual({ ok: true, value: E3_HEX });
    expect(encodeEpc(E3.pureIdentityUri, { filter: 3 })).toEqual({ ok: true, value: E3_HEX });
  });

  it("fields → tag URI → hex → the same URI, CAGE codes and DoDAACs, 4-bit filters (2,000 runs)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), minLength: 5, maxLength: 6 }),
        fc.bigInt({ min: 0n, max: (1n << 36n) - 1n }).map(String),
        fc.integer({ min: 0, max: 15 }),
        (code, serial, filter) => {
          const tagUri = `urn:epc:tag:usdod-96:${filter}.${code}.${serial}`;
          const hex = encodeEpc(tagUri);
          check(hex.ok, () => `${tagUri}: ${JSON.stringify(hex)}`);
          const decoded = hex.ok ? decodeEpc(hex.value) : hex;
          check(
            decoded.ok && decoded.value.scheme === "usdod-96" && decoded.value.tagUri === tagUri,
            () => `${tagUri}: ${JSON.stringify(decoded)}`,
          );
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it.each([
    [
      "a lower-case character",
      hexOf(
        [
          [0x2f, 8],
          [3, 4],
          [0x20, 8],
          [0x63, 8],
          [0x41, 8],
          [0x47, 8],
          [0x45, 8],
          [0x59, 8],
          [1, 36],
        ],
        24,
      ),
    ],
    [
      "a NUL character",
      hexOf(
        [
          [0x2f, 8],
          [3, 4],
          [0, 48],
          [1, 36],
        ],
        24,
      ),
    ],
    [
      "two leading spaces",
      hexOf(
        [
          [0x2f, 8],
          [3, 4],
          [0x20, 8],
          [0x20, 8],
          [0x41, 8],
          [0x47, 8],
          [0x45, 8],
          [0x59, 8],
          [1, 36],
        ],
        24,
      ),
    ],
  ])("decode refuses %s in the CAGE/DoDAAC", (_what, hex) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code: "TALLY_ERR_EPC_SERIAL" } });
  });

  it.each([
    ["filter 16", "urn:epc:tag:usdod-96:16.CAGEY.1", "TALLY_ERR_EPC_RANGE"],
    ["a 4-character code", "urn:epc:tag:usdod-96:3.CAGE.1", "TALLY_ERR_EPC_SERIAL"],
    ["a 7-character code", "urn:epc:tag:usdod-96:3.CAGEYXX.1", "TALLY_ERR_EPC_SERIAL"],
    ["a lower-case code", "urn:epc:tag:usdod-96:3.cagey.1", "TALLY_ERR_EPC_SERIAL"],
    ["a serial ≥ 2^36", "urn:epc:tag:usdod-96:3.CAGEY.68719476736", "TALLY_ERR_EPC_SERIAL"],
    ["a third component", "urn:epc:tag:usdod-96:3.CAGEY.1.2", "TALLY_ERR_EPC_URI"],
  ])("encode refuses %s", (_what, uri, code) => {
    expect(encodeEpc(uri)).toMatchObject({ ok: false, error: { code } });
  });
});
