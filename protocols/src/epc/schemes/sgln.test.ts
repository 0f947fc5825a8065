import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { SGLN_PARTITIONS } from "../partition-tables.js";
import {
  anyBits,
  assertFields,
  companyPrefixIn,
  digits,
  encodeBothWays,
  epcHex,
  hexRoundTrip,
  integerText,
  mostlyBelow,
  RUNS,
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
