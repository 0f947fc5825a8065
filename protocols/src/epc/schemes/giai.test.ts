import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { escapeEpcUriComponent } from "../epc-uri.js";
import { GIAI96_PARTITIONS, GIAI202_PARTITIONS } from "../partition-tables.js";
import {
  anyBits,
  assertFields,
  check,
  companyPrefixIn,
  encodeBothWays,
  epcHex,
  hexOf,
  hexRoundTrip,
  mostlyBelow,
  mostlyZero,
  RUNS,
  string7Field,
  TABLE_A1,
} from "../test-support.js";

// TDS §14.5.5: the reference is an integer below 2^bits of the company prefix's partition.
const fields = fc
  .tuple(
    companyPrefixIn(GIAI96_PARTITIONS),
    fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }),
    fc.integer({ min: 0, max: 7 }),
  )
  .map(([{ companyPrefix, row }, n, filter]) => ({
    companyPrefix,
    row,
    individualAssetReference: String(n % (1n << BigInt(row.referenceBits))),
    filter,
  }));

describe("GIAI-96 (TDS 2.x §14.5.5)", () => {
  it("fields → tag URI → hex → the same fields, URIs and GIAI (TDS §7.7, 10,000 runs)", () => {
    fc.assert(
      fc.property(fields, ({ companyPrefix, row, individualAssetReference, filter }) => {
        const ids = `${companyPrefix}.${individualAssetReference}`;
        const { tagUri, decoded } = encodeBothWays("giai-96", filter, ids);
        assertFields(decoded, {
          scheme: "giai-96",
          filter,
          partition: row.partition,
          companyPrefix,
          individualAssetReference,
          giai: `${companyPrefix}${individualAssetReference}`,
          pureIdentityUri: `urn:epc:id:giai:${ids}`,
          tagUri,
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("hex → decode → encode → the same hex, wherever decoding succeeds (TDS §14.4, 10,000 runs)", () => {
    const hexes = epcHex(0x34, 24, GIAI96_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      anyBits(row.referenceBits),
    ]);
    expect(hexRoundTrip(hexes, ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE"])).toBeGreaterThan(RUNS / 3);
  });
});

/**
 * TDS 2.x Annex E.3, GIAI-202 row: 202 bits, printed as 51 hex digits. The
 * Annex prints the element string with one zero too many; (8004) is the
 * company prefix followed by the reference (TDS §7.7), as asserted here.
 */
const GIAI202_E3 = "3874257BF59B2C2BF1000000000000000000000000000000000";
const GIAI202_VALUE = {
  scheme: "giai-202",
  filter: 3,
  partition: 5,
  companyPrefix: "0614141",
  individualAssetReference: "32a/b",
  giai: "061414132a/b",
  pureIdentityUri: "urn:epc:id:giai:0614141.32a%2Fb",
  tagUri: "urn:epc:tag:giai-202:3.0614141.32a%2Fb",
};

describe("GIAI-202 (TDS 2.x §14.5.5)", () => {
  it("decodes the Annex E.3 example (52 digits: 202 bits padded to 13 words)", () => {
    expect(decodeEpc(`${GIAI202_E3}0`)).toEqual({ ok: true, value: GIAI202_VALUE });
  });

  it("encodes the Annex E.3 tag URI and pure identity URI", () => {
    expect(encodeEpc(GIAI202_VALUE.tagUri)).toEqual({ ok: true, value: `${GIAI202_E3}0` });
    expect(encodeEpc(GIAI202_VALUE.pureIdentityUri, { scheme: "giai-202", filter: 3 })).toEqual({
      ok: true,
      value: `${GIAI202_E3}0`,
    });
  });

  it("fields → tag URI → hex → the same fields, up to 30 GIAI characters (10,000 runs)", () => {
    fc.assert(
      fc.property(
        companyPrefixIn(GIAI202_PARTITIONS),
        fc.string({ unit: fc.constantFrom(...TABLE_A1), minLength: 1, maxLength: 24 }),
        fc.integer({ min: 0, max: 7 }),
        ({ companyPrefix, row }, text, filter) => {
          const reference = text.slice(0, row.referenceDigits);
          check(companyPrefix.length + reference.length <= 30, () => "GIAI longer than 30");
          const ids = `${companyPrefix}.${escapeEpcUriComponent(reference)}`;
          const { tagUri, hex, decoded } = encodeBothWays("giai-202", filter, ids);
          check(hex.length === 52, () => `${tagUri}: ${hex}`);
          assertFields(decoded, {
            scheme: "giai-202",
            filter,
            partition: row.partition,
            companyPrefix,
            individualAssetReference: reference,
            giai: companyPrefix + reference,
            pureIdentityUri: `urn:epc:id:giai:${ids}`,
            tagUri,
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("hex → decode → encode → the same hex, wherever decoding succeeds (10,000 runs)", () => {
    const hexes = epcHex(0x38, 52, GIAI202_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      string7Field(row.referenceBits),
      mostlyZero(6),
    ]);
    expect(
      hexRoundTrip(hexes, ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE", "TALLY_ERR_EPC_SERIAL"], "giai-202"),
    ).toBeGreaterThan(RUNS / 4);
  });

  /** 21 'A's after a 12-digit prefix: fits in 148 bits but exceeds the 18 characters AI 8004 leaves. */
  const tooLong = hexOf(
    [[0x38, 8], [3, 3], [0, 3], [614141000001, 40], ...Array.from({ length: 21 }, () => [0x41, 7] as const)],
    52,
  );

  it.each([
    [
      "partition 7",
      hexOf(
        [
          [0x38, 8],
          [3, 3],
          [7, 3],
        ],
        52,
      ),
      "TALLY_ERR_EPC_PARTITION",
    ],
    ["non-zero word padding", `${GIAI202_E3}1`, "TALLY_ERR_EPC_RANGE"],
    [
      "a company prefix beyond its 7 digits",
      hexOf(
        [
          [0x38, 8],
          [3, 3],
          [5, 3],
          [10_000_000, 24],
          [0x41, 7],
        ],
        52,
      ),
      "TALLY_ERR_EPC_RANGE",
    ],
    ["a reference longer than GS1 AI 8004 allows", tooLong, "TALLY_ERR_EPC_SERIAL"],
    [
      "an empty reference",
      hexOf(
        [
          [0x38, 8],
          [3, 3],
          [5, 3],
          [614141, 24],
        ],
        52,
      ),
      "TALLY_ERR_EPC_SERIAL",
    ],
    [
      "a DEL character",
      hexOf(
        [
          [0x38, 8],
          [3, 3],
          [5, 3],
          [614141, 24],
          [0x7f, 7],
        ],
        52,
      ),
      "TALLY_ERR_EPC_SERIAL",
    ],
  ])("decode refuses %s", (_what, hex, code) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code } });
  });

  it.each([
    [
      "19 characters after a 12-digit prefix",
      `urn:epc:tag:giai-202:3.061414100001.${"A".repeat(19)}`,
      "TALLY_ERR_EPC_SERIAL",
    ],
    [
      "24 characters after a 7-digit prefix",
      `urn:epc:tag:giai-202:3.0614141.${"A".repeat(24)}`,
      "TALLY_ERR_EPC_SERIAL",
    ],
    ["an empty reference", "urn:epc:tag:giai-202:3.0614141.", "TALLY_ERR_EPC_SERIAL"],
    ["a 13-digit company prefix", "urn:epc:tag:giai-202:3.0614141000001.A", "TALLY_ERR_EPC_PARTITION"],
    ["a bad escape", "urn:epc:tag:giai-202:3.0614141.a%2", "TALLY_ERR_EPC_URI"],
    ["a 10,000-character reference", `urn:epc:tag:giai-202:3.0614141.${"x".repeat(10_000)}`, "TALLY_ERR_EPC_SERIAL"],
  ])("encode refuses %s", (_what, uri, code) => {
    expect(encodeEpc(uri)).toMatchObject({ ok: false, error: { code } });
  });

  it("accepts the longest references: 18 after a 12-digit prefix, 23 after a 7-digit one", () => {
    expect(encodeEpc(`urn:epc:tag:giai-202:3.061414100001.${"A".repeat(18)}`)).toMatchObject({ ok: true });
    expect(encodeEpc(`urn:epc:tag:giai-202:3.0614141.${"A".repeat(23)}`)).toMatchObject({ ok: true });
  });
});
