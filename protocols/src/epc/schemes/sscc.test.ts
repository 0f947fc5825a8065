import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { SSCC_PARTITIONS } from "../partition-tables.js";
import {
  assertFields,
  companyPrefixIn,
  digits,
  encodeBothWays,
  epcHex,
  hexRoundTrip,
  mostlyBelow,
  mostlyZero,
  RUNS,
} from "../test-support.js";

const fields = fc
  .tuple(companyPrefixIn(SSCC_PARTITIONS), digits(11), fc.integer({ min: 0, max: 7 }))
  .map(([{ companyPrefix, row }, d, filter]) => ({
    companyPrefix,
    row,
    serialReference: d.slice(0, row.referenceDigits),
    filter,
  }));

describe("SSCC-96 (TDS 2.x §14.5.2)", () => {
  it("fields → tag URI → hex → the same fields, URIs and SSCC (TDS §7.4, 10,000 runs)", () => {
    fc.assert(
      fc.property(fields, ({ companyPrefix, row, serialReference, filter }) => {
        const ids = `${companyPrefix}.${serialReference}`;
        const { tagUri, decoded } = encodeBothWays("sscc-96", filter, ids);
        // TDS §7.4: extension digit, company prefix, rest of the serial reference, check digit.
        const body = `${serialReference.slice(0, 1)}${companyPrefix}${serialReference.slice(1)}`;
        assertFields(decoded, {
          scheme: "sscc-96",
          filter,
          partition: row.partition,
          companyPrefix,
          serialReference,
          sscc: `${body}${gs1CheckDigit(body)}`,
          pureIdentityUri: `urn:epc:id:sscc:${ids}`,
          tagUri,
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("hex → decode → encode → the same hex, wherever decoding succeeds (TDS §14.4, 10,000 runs)", () => {
    const hexes = epcHex(0x31, 24, SSCC_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      mostlyBelow(row.referenceBits, 10n ** BigInt(row.referenceDigits)),
      mostlyZero(24), // unallocated
    ]);
    expect(hexRoundTrip(hexes, ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE"])).toBeGreaterThan(RUNS / 3);
  });
});
