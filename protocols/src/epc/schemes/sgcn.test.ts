import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { SGCN_PARTITIONS } from "../partition-tables.js";
import {
  assertFields,
  companyPrefixIn,
  digits,
  encodeBothWays,
  epcHex,
  hexOf,
  hexRoundTrip,
  mostlyBelow,
  RUNS,
} from "../test-support.js";

/**
 * TDS 2.x Annex E.3, SGCN-96 row. The Annex's tag URI shows a filter its
 * own hex does not carry; the hex says filter 3, used here (as in the GS1 TDT
 * test vectors). The serial keeps its leading zero (Numeric String method).
 */
const E3_HEX = "3F74F4E4E612640000019907";
const E3 = {
  scheme: "sgcn-96",
  filter: 3,
  partition: 5,
  companyPrefix: "4012345",
  couponReference: "67890",
  serial: "04711",
  gcn: "401234567890104711",
  pureIdentityUri: "urn:epc:id:sgcn:4012345.67890.04711",
  tagUri: "urn:epc:tag:sgcn-96:3.4012345.67890.04711",
};

describe("SGCN-96 (TDS 2.x §14.5)", () => {
  it("decodes the Annex E.3 example", () => {
    expect(decodeEpc(E3_HEX)).toEqual({ ok: true, value: E3 });
  });

  it("encodes the Annex E.3 tag URI and pure identity URI", () => {
    expect(encodeEpc(E3.tagUri)).toEqual({ ok: true, value: E3_HEX });
    expect(encodeEpc(E3.pureIdentityUri, { filter: 3 })).toEqual({ ok: true, value: E3_HEX });
  });

  it("fields → tag URI → hex → the same fields and GCN, leading zeros kept (10,000 runs)", () => {
    fc.assert(
      fc.property(
        companyPrefixIn(SGCN_PARTITIONS),
        digits(6),
        fc.integer({ min: 1, max: 12 }).chain((n) => digits(n)),
        fc.integer({ min: 0, max: 7 }),
        ({ companyPrefix, row }, d, serial, filter) => {
          const couponReference = d.slice(0, row.referenceDigits);
          const ids = `${companyPrefix}.${couponReference}.${serial}`;
          const { tagUri, decoded } = encodeBothWays("sgcn-96", filter, ids);
          const body = companyPrefix + couponReference;
          assertFields(decoded, {
            scheme: "sgcn-96",
            filter,
            partition: row.partition,
            companyPrefix,
            couponReference,
            serial,
            gcn: `${body}${gs1CheckDigit(body)}${serial}`,
            pureIdentityUri: `urn:epc:id:sgcn:${ids}`,
            tagUri,
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("hex → decode → encode → the same hex, wherever decoding succeeds (10,000 runs)", () => {
    const hexes = epcHex(0x3f, 24, SGCN_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      mostlyBelow(row.referenceBits, 10n ** BigInt(row.referenceDigits)),
      {
        bits: 41,
        value: fc.oneof(
          { weight: 9, arbitrary: fc.bigInt({ min: 10n, max: 1_999_999_999_999n }) },
          { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 41n) - 1n }) },
        ),
      },
    ]);
    expect(
      hexRoundTrip(hexes, ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE", "TALLY_ERR_EPC_SERIAL"], "sgcn-96"),
    ).toBeGreaterThan(RUNS / 5);
  });

  const head = [
    [0x3f, 8],
    [3, 3],
    [5, 3],
    [4012345, 24],
    [67890, 17],
  ] as const;

  it.each([
    [
      "partition 7",
      hexOf(
        [
          [0x3f, 8],
          [3, 3],
          [7, 3],
        ],
        24,
      ),
      "TALLY_ERR_EPC_PARTITION",
    ],
    ["a serial field of zero (no leading '1')", hexOf([...head, [0, 41]], 24), "TALLY_ERR_EPC_SERIAL"],
    ["a serial field of just '1' (no digits)", hexOf([...head, [1, 41]], 24), "TALLY_ERR_EPC_SERIAL"],
    ["a serial field starting with '2'", hexOf([...head, [2_000_000_000_000n, 41]], 24), "TALLY_ERR_EPC_SERIAL"],
    [
      "a coupon reference beyond its 5 digits",
      hexOf(
        [
          [0x3f, 8],
          [3, 3],
          [5, 3],
          [4012345, 24],
          [100_000, 17],
          [11, 41],
        ],
        24,
      ),
      "TALLY_ERR_EPC_RANGE",
    ],
  ])("decode refuses %s", (_what, hex, code) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code } });
  });

  it.each([
    ["a 13-digit serial", "urn:epc:tag:sgcn-96:3.4012345.67890.0123456789012", "TALLY_ERR_EPC_SERIAL"],
    ["an empty serial", "urn:epc:tag:sgcn-96:3.4012345.67890.", "TALLY_ERR_EPC_SERIAL"],
    ["a letter in the serial", "urn:epc:tag:sgcn-96:3.4012345.67890.047A1", "TALLY_ERR_EPC_SERIAL"],
    ["a fourth component", "urn:epc:tag:sgcn-96:3.4012345.67890.1.2", "TALLY_ERR_EPC_URI"],
    ["a short coupon reference", "urn:epc:tag:sgcn-96:3.4012345.6789.1", "TALLY_ERR_EPC_RANGE"],
  ])("encode refuses %s", (_what, uri, code) => {
    expect(encodeEpc(uri)).toMatchObject({ ok: false, error: { code } });
  });
});
