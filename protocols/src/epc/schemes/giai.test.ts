import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GIAI96_PARTITIONS } from "../partition-tables.js";
import {
  anyBits,
  assertFields,
  companyPrefixIn,
  encodeBothWays,
  epcHex,
  hexRoundTrip,
  mostlyBelow,
  RUNS,
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
