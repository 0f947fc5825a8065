import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { escapeEpcUriComponent } from "../epc-uri.js";
import { GRAI_PARTITIONS } from "../partition-tables.js";
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
  .tuple(companyPrefixIn(GRAI_PARTITIONS), digits(6), integerText(38), fc.integer({ min: 0, max: 7 }))
  .map(([{ companyPrefix, row }, d, serial, filter]) => ({
    companyPrefix,
    row,
    assetType: d.slice(0, row.referenceDigits),
    serial,
    filter,
  }));

describe("GRAI-96 (TDS 2.x §14.5.4)", () => {
  it("fields → tag URI → hex → the same fields, URIs and GRAI (TDS §7.6, 10,000 runs)", () => {
    fc.assert(
      fc.property(fields, ({ companyPrefix, row, assetType, serial, filter }) => {
        const ids = `${companyPrefix}.${assetType}.${serial}`;
        const { tagUri, decoded } = encodeBothWays("grai-96", filter, ids);
        // TDS §7.6: (8003) = "0", company prefix, asset type, check digit, serial.
        const body = `0${companyPrefix}${assetType}`;
        assertFields(decoded, {
          scheme: "grai-96",
          filter,
          partition: row.partition,
          companyPrefix,
          assetType,
          serial,
          grai: `${body}${gs1CheckDigit(body)}${serial}`,
          pureIdentityUri: `urn:epc:id:grai:${ids}`,
          tagUri,
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("hex → decode → encode → the same hex, wherever decoding succeeds (TDS §14.4, 10,000 runs)", () => {
    const hexes = epcHex(0x33, 24, GRAI_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      mostlyBelow(row.referenceBits, 10n ** BigInt(row.referenceDigits)),
      anyBits(38),
    ]);
    expect(hexRoundTrip(hexes, ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE"])).toBeGreaterThan(RUNS / 3);
  });
});

/** TDS 2.x Annex E.3, GRAI-170 row: 170 bits, printed as 43 hex digits. */
const GRAI170_E3 = "3774257BF40C0E59B2C2BF100000000000000000000";
const GRAI170_VALUE = {
  scheme: "grai-170",
  filter: 3,
  partition: 5,
  companyPrefix: "0614141",
  assetType: "12345",
  serial: "32a/b",
  grai: "0061414112345232a/b",
  pureIdentityUri: "urn:epc:id:grai:0614141.12345.32a%2Fb",
  tagUri: "urn:epc:tag:grai-170:3.0614141.12345.32a%2Fb",
};

describe("GRAI-170 (TDS 2.x §14.5.4)", () => {
  it("decodes the Annex E.3 example (44 digits: 170 bits padded to 11 words)", () => {
    expect(decodeEpc(`${GRAI170_E3}0`)).toEqual({ ok: true, value: GRAI170_VALUE });
  });

  it("encodes the Annex E.3 tag URI and pure identity URI", () => {
    expect(encodeEpc(GRAI170_VALUE.tagUri)).toEqual({ ok: true, value: `${GRAI170_E3}0` });
    expect(encodeEpc(GRAI170_VALUE.pureIdentityUri, { scheme: "grai-170", filter: 3 })).toEqual({
      ok: true,
      value: `${GRAI170_E3}0`,
    });
  });

  it("fields → tag URI → hex → the same fields (10,000 runs)", () => {
    fc.assert(
      fc.property(
        companyPrefixIn(GRAI_PARTITIONS),
        digits(6),
        fc.string({ unit: fc.constantFrom(...TABLE_A1), minLength: 1, maxLength: 16 }),
        fc.integer({ min: 0, max: 7 }),
        ({ companyPrefix, row }, d, serial, filter) => {
          const assetType = d.slice(0, row.referenceDigits);
          const ids = `${companyPrefix}.${assetType}.${escapeEpcUriComponent(serial)}`;
          const { tagUri, hex, decoded } = encodeBothWays("grai-170", filter, ids);
          check(hex.length === 44, () => `${tagUri}: ${hex}`);
          const body = `0${companyPrefix}${assetType}`;
          assertFields(decoded, {
            scheme: "grai-170",
            filter,
            partition: row.partition,
            companyPrefix,
            assetType,
            serial,
            grai: `${body}${gs1CheckDigit(body)}${serial}`,
            pureIdentityUri: `urn:epc:id:grai:${ids}`,
            tagUri,
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("hex → decode → encode → the same hex, wherever decoding succeeds (10,000 runs)", () => {
    const hexes = epcHex(0x37, 44, GRAI_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      mostlyBelow(row.referenceBits, 10n ** BigInt(row.referenceDigits)),
      string7Field(112),
      mostlyZero(6),
    ]);
    expect(
      hexRoundTrip(hexes, ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE", "TALLY_ERR_EPC_SERIAL"], "grai-170"),
    ).toBeGreaterThan(RUNS / 4);
  });

  const head = [
    [0x37, 8],
    [3, 3],
    [5, 3],
    [614141, 24],
    [12345, 20],
  ] as const;

  it.each([
    [
      "partition 7",
      hexOf(
        [
          [0x37, 8],
          [3, 3],
          [7, 3],
        ],
        44,
      ),
      "TALLY_ERR_EPC_PARTITION",
    ],
    ["non-zero word padding", `${GRAI170_E3}1`, "TALLY_ERR_EPC_RANGE"],
    ["a character outside Table A-1 (0x23 '#')", hexOf([...head, [0x23, 7]], 44), "TALLY_ERR_EPC_SERIAL"],
    ["an empty serial", hexOf(head, 44), "TALLY_ERR_EPC_SERIAL"],
    ["bits after the terminating zero", hexOf([...head, [0x41, 7], [0, 7], [1, 7]], 44), "TALLY_ERR_EPC_SERIAL"],
    ["a 52-digit length", `${GRAI170_E3}000000000`, "TALLY_ERR_EPC_LENGTH"],
  ])("decode refuses %s", (_what, hex, code) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code } });
  });

  it.each([
    ["a 17-character serial", `urn:epc:tag:grai-170:3.0614141.12345.${"A".repeat(17)}`, "TALLY_ERR_EPC_SERIAL"],
    ["an empty serial", "urn:epc:tag:grai-170:3.0614141.12345.", "TALLY_ERR_EPC_SERIAL"],
    ["a space", "urn:epc:tag:grai-170:3.0614141.12345.a%20b", "TALLY_ERR_EPC_SERIAL"],
    ["a 5-digit company prefix", "urn:epc:tag:grai-170:3.61414.123456.1", "TALLY_ERR_EPC_PARTITION"],
    ["an asset type of the wrong length", "urn:epc:tag:grai-170:3.0614141.1234.1", "TALLY_ERR_EPC_RANGE"],
    ["a 10,000-character serial", `urn:epc:tag:grai-170:3.0614141.12345.${"x".repeat(10_000)}`, "TALLY_ERR_EPC_SERIAL"],
  ])("encode refuses %s", (_what, uri, code) => {
    expect(encodeEpc(uri)).toMatchObject({ ok: false, error: { code } });
  });
});
