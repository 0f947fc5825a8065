import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { GRAI_PARTITIONS } from "../partition-tables.js";
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
