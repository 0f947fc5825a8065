import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { CPI96_PARTITIONS } from "../partition-tables.js";
import {
  anyBits,
  assertFields,
  companyPrefixIn,
  encodeBothWays,
  epcHex,
  hexOf,
  hexRoundTrip,
  integerText,
  mostlyBelow,
  RUNS,
} from "../test-support.js";

/** TDS 2.x Annex E.3, CPI-96 row. */
const E3_HEX = "3C74257BF400C0E680003039";
const E3 = {
  scheme: "cpi-96",
  filter: 3,
  partition: 5,
  companyPrefix: "0614141",
  partReference: "98765",
  serial: "12345",
  cpi: "061414198765",
  pureIdentityUri: "urn:epc:id:cpi:0614141.98765.12345",
  tagUri: "urn:epc:tag:cpi-96:3.0614141.98765.12345",
};

describe("CPI-96 (TDS 2.x §14.5)", () => {
  it("decodes the Annex E.3 example", () => {
    expect(decodeEpc(E3_HEX)).toEqual({ ok: true, value: E3 });
  });

  it("encodes the Annex E.3 tag URI and pure identity URI", () => {
    expect(encodeEpc(E3.tagUri)).toEqual({ ok: true, value: E3_HEX });
    expect(encodeEpc(E3.pureIdentityUri, { filter: 3 })).toEqual({ ok: true, value: E3_HEX });
  });

  it("fields → tag URI → hex → the same fields (10,000 runs)", () => {
    fc.assert(
      fc.property(
        companyPrefixIn(CPI96_PARTITIONS).chain(({ companyPrefix, row }) =>
          fc.tuple(
            fc.constant({ companyPrefix, row }),
            fc.bigInt({ min: 0n, max: 10n ** BigInt(row.referenceDigits) - 1n }).map(String),
          ),
        ),
        integerText(31),
        fc.integer({ min: 0, max: 7 }),
        ([{ companyPrefix, row }, partReference], serial, filter) => {
          const ids = `${companyPrefix}.${partReference}.${serial}`;
          const { tagUri, decoded } = encodeBothWays("cpi-96", filter, ids);
          assertFields(decoded, {
            scheme: "cpi-96",
            filter,
            partition: row.partition,
            companyPrefix,
            partReference,
            serial,
            cpi: companyPrefix + partReference,
            pureIdentityUri: `urn:epc:id:cpi:${ids}`,
            tagUri,
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("hex → decode → encode → the same hex, wherever decoding succeeds (10,000 runs)", () => {
    const hexes = epcHex(0x3c, 24, CPI96_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      mostlyBelow(row.referenceBits, 10n ** BigInt(row.referenceDigits)),
      anyBits(31),
    ]);
    expect(hexRoundTrip(hexes, ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE"], "cpi-96")).toBeGreaterThan(RUNS / 3);
  });

  it.each([
    [
      "partition 7",
      hexOf(
        [
          [0x3c, 8],
          [3, 3],
          [7, 3],
        ],
        24,
      ),
      "TALLY_ERR_EPC_PARTITION",
    ],
    // Partition 0: 11 bits hold up to 2047, but the part reference has at most 3 digits.
    [
      "a 4-digit part reference in partition 0",
      hexOf(
        [
          [0x3c, 8],
          [3, 3],
          [0, 3],
          [614141000001, 40],
          [1000, 11],
        ],
        24,
      ),
      "TALLY_ERR_EPC_RANGE",
    ],
    [
      "a company prefix beyond its digits",
      hexOf(
        [
          [0x3c, 8],
          [3, 3],
          [5, 3],
          [10_000_000, 24],
        ],
        24,
      ),
      "TALLY_ERR_EPC_RANGE",
    ],
  ])("decode refuses %s", (_what, hex, code) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code } });
  });

  it.each([
    ["a part reference with a leading zero", "urn:epc:tag:cpi-96:3.0614141.098765.1", "TALLY_ERR_EPC_RANGE"],
    [
      "a 9-digit part reference with a 7-digit prefix",
      "urn:epc:tag:cpi-96:3.0614141.123456789.1",
      "TALLY_ERR_EPC_RANGE",
    ],
    [
      "an alphanumeric part reference (CPI-var only)",
      "urn:epc:tag:cpi-96:3.0614141.5PQ7%2FZ43.1",
      "TALLY_ERR_EPC_RANGE",
    ],
    ["a serial ≥ 2^31", "urn:epc:tag:cpi-96:3.0614141.98765.2147483648", "TALLY_ERR_EPC_SERIAL"],
    ["a serial with a leading zero", "urn:epc:tag:cpi-96:3.0614141.98765.012345", "TALLY_ERR_EPC_SERIAL"],
    ["a fourth component", "urn:epc:tag:cpi-96:3.0614141.98765.1.2", "TALLY_ERR_EPC_URI"],
  ])("encode refuses %s", (_what, uri, code) => {
    expect(encodeEpc(uri)).toMatchObject({ ok: false, error: { code } });
  });
});
