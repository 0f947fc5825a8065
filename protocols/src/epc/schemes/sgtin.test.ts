import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { escapeEpcUriComponent } from "../epc-uri.js";
import { SGTIN_PARTITIONS } from "../partition-tables.js";
import {
  anyBits,
  assertFields,
  check,
  companyPrefixIn,
  digits,
  epcHex,
  hexRoundTrip,
  integerText,
  mostlyBelow,
  mostlyZero,
  RUNS,
  string7Field,
  TABLE_A1,
} from "../test-support.js";

const filter = fc.integer({ min: 0, max: 7 });
const cpAndItem = fc
  .tuple(companyPrefixIn(SGTIN_PARTITIONS), digits(7))
  .map(([{ companyPrefix, row }, d]) => ({ companyPrefix, row, itemReference: d.slice(0, row.referenceDigits) }));
const serial198 = fc.string({ unit: fc.constantFrom(...TABLE_A1), minLength: 1, maxLength: 20 });

describe("SGTIN-96 and SGTIN-198 (TDS 2.x §14.5.1, Table 14-2)", () => {
  it.each([
    ["sgtin-96", integerText(38)],
    ["sgtin-198", serial198],
  ] as const)("%s: fields → tag URI → hex → the same fields, URIs and GTIN (10,000 runs)", (scheme, serialArb) => {
    fc.assert(
      fc.property(cpAndItem, filter, serialArb, ({ companyPrefix, row, itemReference }, f, serial) => {
        const ids = `${companyPrefix}.${itemReference}.${escapeEpcUriComponent(serial)}`;
        const tagUri = `urn:epc:tag:${scheme}:${f}.${ids}`;
        const hex = encodeEpc(tagUri);
        if (!hex.ok) throw new Error(`${tagUri}: ${hex.error.message}`);
        check(hex.value.length === (scheme === "sgtin-96" ? 24 : 52), () => `length of ${hex.value}`);
        // TDS §15.1.1: the pure identity URI plus scheme and filter gives the same bits.
        const fromPure = encodeEpc(`urn:epc:id:sgtin:${ids}`, { scheme, filter: f });
        check(fromPure.ok && fromPure.value === hex.value, () => `pure URI gave ${JSON.stringify(fromPure)}`);
        const decoded = decodeEpc(hex.value);
        if (!decoded.ok) throw new Error(`${hex.value}: ${decoded.error.message}`);
        // TDS §7.3.2: GTIN-14 = indicator, company prefix, item reference, check digit.
        const body = `${itemReference.slice(0, 1)}${companyPrefix}${itemReference.slice(1)}`;
        const gtin = `${body}${gs1CheckDigit(body)}`;
        assertFields(decoded.value, {
          scheme,
          filter: f,
          partition: row.partition,
          companyPrefix,
          itemReference,
          serial,
          gtin,
          pureIdentityUri: `urn:epc:id:sgtin:${ids}`,
          tagUri,
        });
      }),
      { numRuns: RUNS },
    );
  });

  const hexFor = {
    "sgtin-96": epcHex(0x30, 24, SGTIN_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      mostlyBelow(row.referenceBits, 10n ** BigInt(row.referenceDigits)),
      anyBits(38),
    ]),
    // 198 bits + 10 zero bits of word padding = 52 hex digits (TDS §15.1.1).
    "sgtin-198": epcHex(0x36, 52, SGTIN_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      mostlyBelow(row.referenceBits, 10n ** BigInt(row.referenceDigits)),
      string7Field(140),
      mostlyZero(10),
    ]),
  };

  it.each(["sgtin-96", "sgtin-198"] as const)(
    "%s: hex → decode → encode the tag URI → the same hex, wherever decoding succeeds (TDS §14.4, 10,000 runs)",
    (scheme) => {
      const allowed = ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE", "TALLY_ERR_EPC_SERIAL"];
      expect(hexRoundTrip(hexFor[scheme], allowed, scheme)).toBeGreaterThan(RUNS / 3);
    },
  );
});
