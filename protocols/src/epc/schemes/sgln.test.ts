import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { escapeEpcUriComponent } from "../epc-uri.js";
import { SGLN_PARTITIONS } from "../partition-tables.js";
import {
  anyBits,
  assertFields,
  check,
  companyPrefixIn,
  digits,
  encodeBothWays,
  epcHex,
  hexOf,
  hexRoundTrip,
  integerText,
  mostlyBelow,
  mostlyZero,
  RUNS,
  string7Field,
  TABLE_A1,
} from "../test-support.js";

const fields = fc
  .tuple(companyPrefixIn(SGLN_PARTITIONS), digits(6), integerText(41), fc.integer({ min: 0, max: 7 }))
  .map(([{ companyPrefix, row }, d, extension, filter]) => ({
    companyPrefix,
    row,
    locationReference: d.slice(0, row.referenceDigits),
    extension,
    filter,
  }));

describe("SGLN-96 (TDS 2.x §14.5.3)", () => {
  it("fields → tag URI → hex → the same fields, URIs and GLN (TDS §7.5, 10,000 runs)", () => {
    fc.assert(
      fc.property(fields, ({ companyPrefix, row, locationReference, extension, filter }) => {
        // With a 12-digit company prefix the location reference is empty (TDS §6.3.3).
        const ids = `${companyPrefix}.${locationReference}.${extension}`;
        const { tagUri, decoded } = encodeBothWays("sgln-96", filter, ids);
        const body = `${companyPrefix}${locationReference}`;
        assertFields(decoded, {
          scheme: "sgln-96",
          filter,
          partition: row.partition,
          companyPrefix,
          locationReference,
          extension,
          gln: `${body}${gs1CheckDigit(body)}`,
          pureIdentityUri: `urn:epc:id:sgln:${ids}`,
          tagUri,
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("hex → decode → encode → the same hex, wherever decoding succeeds (TDS §14.4, 10,000 runs)", () => {
    const hexes = epcHex(0x32, 24, SGLN_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      mostlyBelow(row.referenceBits, 10n ** BigInt(row.referenceDigits)),
      anyBits(41),
    ]);
    expect(hexRoundTrip(hexes, ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE"])).toBeGreaterThan(RUNS / 3);
  });
});

/** TDS 2.x Annex E.3, SGLN-195 row: 195 bits, printed as 49 hex digits. */
const SGLN195_E3 = "3974257BF46072CD9615F8800000000000000000000000000";
const SGLN195_VALUE = {
  scheme: "sgln-195",
  filter: 3,
  partition: 5,
  companyPrefix: "0614141",
  locationReference: "12345",
  extension: "32a/b",
  gln: "0614141123452",
  pureIdentityUri: "urn:epc:id:sgln:0614141.12345.32a%2Fb",
  tagUri: "urn:epc:tag:sgln-195:3.0614141.12345.32a%2Fb",
};

describe("SGLN-195 (TDS 2.x §14.5.3)", () => {
  it("decodes the Annex E.3 example, padded to whole bytes (50 digits) or words (52 digits)", () => {
    expect(decodeEpc(`${SGLN195_E3}0`)).toEqual({ ok: true, value: SGLN195_VALUE });
    expect(decodeEpc(`${SGLN195_E3}000`)).toEqual({ ok: true, value: SGLN195_VALUE });
  });

  it("encodes the Annex E.3 tag URI and pure identity URI to 13 words", () => {
    expect(encodeEpc(SGLN195_VALUE.tagUri)).toEqual({ ok: true, value: `${SGLN195_E3}000` });
    expect(encodeEpc(SGLN195_VALUE.pureIdentityUri, { scheme: "sgln-195", filter: 3 })).toEqual({
      ok: true,
      value: `${SGLN195_E3}000`,
    });
  });

  const extension195 = fc.string({ unit: fc.constantFrom(...TABLE_A1), minLength: 1, maxLength: 20 });

  it("fields → tag URI → hex → the same fields (10,000 runs)", () => {
    fc.assert(
      fc.property(
        companyPrefixIn(SGLN_PARTITIONS),
        digits(6),
        extension195,
        fc.integer({ min: 0, max: 7 }),
        ({ companyPrefix, row }, d, extension, filter) => {
          const locationReference = d.slice(0, row.referenceDigits);
          const ids = `${companyPrefix}.${locationReference}.${escapeEpcUriComponent(extension)}`;
          const { tagUri, hex, decoded } = encodeBothWays("sgln-195", filter, ids);
          check(hex.length === 52, () => `${tagUri}: ${hex}`);
          const body = `${companyPrefix}${locationReference}`;
          assertFields(decoded, {
            scheme: "sgln-195",
            filter,
            partition: row.partition,
            companyPrefix,
            locationReference,
            extension,
            gln: `${body}${gs1CheckDigit(body)}`,
            pureIdentityUri: `urn:epc:id:sgln:${ids}`,
            tagUri,
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("hex → decode → encode → the same hex, wherever decoding succeeds (10,000 runs)", () => {
    const hexes = epcHex(0x39, 52, SGLN_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      mostlyBelow(row.referenceBits, 10n ** BigInt(row.referenceDigits)),
      string7Field(140),
      mostlyZero(13),
    ]);
    expect(
      hexRoundTrip(hexes, ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE", "TALLY_ERR_EPC_SERIAL"], "sgln-195"),
    ).toBeGreaterThan(RUNS / 4);
  });

  it.each([
    [
      "partition 7",
      hexOf(
        [
          [0x39, 8],
          [3, 3],
          [7, 3],
        ],
        52,
      ),
      "TALLY_ERR_EPC_PARTITION",
    ],
    ["non-zero word padding", `${SGLN195_E3}001`, "TALLY_ERR_EPC_RANGE"],
    [
      "a character outside Table A-1 (0x7F)",
      hexOf(
        [
          [0x39, 8],
          [3, 3],
          [5, 3],
          [614141, 24],
          [12345, 17],
          [0x7f, 7],
        ],
        52,
      ),
      "TALLY_ERR_EPC_SERIAL",
    ],
    [
      "an empty extension",
      hexOf(
        [
          [0x39, 8],
          [3, 3],
          [5, 3],
          [614141, 24],
          [12345, 17],
        ],
        52,
      ),
      "TALLY_ERR_EPC_SERIAL",
    ],
    [
      "bits after the terminating zero",
      hexOf(
        [
          [0x39, 8],
          [3, 3],
          [5, 3],
          [614141, 24],
          [12345, 17],
          [0x41, 7],
          [0, 7],
          [0x41, 7],
        ],
        52,
      ),
      "TALLY_ERR_EPC_SERIAL",
    ],
    [
      "location reference beyond its 5 digits",
      hexOf(
        [
          [0x39, 8],
          [3, 3],
          [5, 3],
          [614141, 24],
          [100000, 17],
          [0x41, 7],
        ],
        52,
      ),
      "TALLY_ERR_EPC_RANGE",
    ],
    ["a 96-bit length", SGLN195_E3.slice(0, 24), "TALLY_ERR_EPC_LENGTH"],
  ])("decode refuses %s", (_what, hex, code) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code } });
  });

  it.each([
    ["a 21-character extension", `urn:epc:tag:sgln-195:3.0614141.12345.${"A".repeat(21)}`, "TALLY_ERR_EPC_SERIAL"],
    ["an empty extension", "urn:epc:tag:sgln-195:3.0614141.12345.", "TALLY_ERR_EPC_SERIAL"],
    ["a non-ASCII character", "urn:epc:tag:sgln-195:3.0614141.12345.caf%C3%A9", "TALLY_ERR_EPC_SERIAL"],
    ["an unescaped '/'", "urn:epc:tag:sgln-195:3.0614141.12345.32a/b", "TALLY_ERR_EPC_URI"],
    [
      "a 6-digit location reference with a 7-digit prefix",
      "urn:epc:tag:sgln-195:3.0614141.123456.1",
      "TALLY_ERR_EPC_RANGE",
    ],
    ["filter 8", "urn:epc:tag:sgln-195:8.0614141.12345.1", "TALLY_ERR_EPC_RANGE"],
    ["a 10,000-character extension", `urn:epc:id:sgln:0614141.12345.${"x".repeat(10_000)}`, "TALLY_ERR_EPC_SERIAL"],
  ])("encode refuses %s", (_what, uri, code) => {
    expect(encodeEpc(uri, uri.startsWith("urn:epc:id") ? { scheme: "sgln-195" } : {})).toMatchObject({
      ok: false,
      error: { code },
    });
  });

  it("keeps alphanumeric extensions out of SGLN-96", () => {
    expect(encodeEpc("urn:epc:tag:sgln-96:3.0614141.12345.32a%2Fb")).toMatchObject({
      ok: false,
      error: { code: "TALLY_ERR_EPC_SERIAL" },
    });
  });
});
