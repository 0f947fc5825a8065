import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { GSRN_PARTITIONS } from "../partition-tables.js";
import {
  assertFields,
  companyPrefixIn,
  digits,
  encodeBothWays,
  epcHex,
  hexOf,
  hexRoundTrip,
  mostlyBelow,
  mostlyZero,
  RUNS,
} from "../test-support.js";

/**
 * TDS 2.x Annex E.3, GSRN-96 and GSRNP-96 rows. The Annex's GSRN-96 hex
 * carries a filter that contradicts its own tag URI (filter 3); the hex here
 * is the one the tag URI encodes to, as in the GS1 TDT test vectors.
 */
const ANNEX_E3 = [
  {
    hex: "2D74257BF4499602D2000000",
    value: {
      scheme: "gsrn-96",
      filter: 3,
      partition: 5,
      companyPrefix: "0614141",
      serviceReference: "1234567890",
      gsrn: "061414112345678902",
      pureIdentityUri: "urn:epc:id:gsrn:0614141.1234567890",
      tagUri: "urn:epc:tag:gsrn-96:3.0614141.1234567890",
    },
  },
  {
    hex: "2E74257BF4499602D2000000",
    value: {
      scheme: "gsrnp-96",
      filter: 3,
      partition: 5,
      companyPrefix: "0614141",
      serviceReference: "1234567890",
      gsrn: "061414112345678902",
      pureIdentityUri: "urn:epc:id:gsrnp:0614141.1234567890",
      tagUri: "urn:epc:tag:gsrnp-96:3.0614141.1234567890",
    },
  },
] as const;

describe.each(["gsrn-96", "gsrnp-96"] as const)("%s (TDS 2.x §14.5)", (scheme) => {
  const example = ANNEX_E3.find((e) => e.value.scheme === scheme);
  const header = scheme === "gsrn-96" ? 0x2d : 0x2e;

  it("decodes the Annex E.3 example", () => {
    expect(example && decodeEpc(example.hex)).toEqual({ ok: true, value: example?.value });
  });

  it("encodes the Annex E.3 tag URI, and the pure identity URI with filter 3", () => {
    expect(example && encodeEpc(example.value.tagUri)).toEqual({ ok: true, value: example?.hex });
    expect(example && encodeEpc(example.value.pureIdentityUri, { filter: 3 })).toEqual({
      ok: true,
      value: example?.hex,
    });
  });

  it("fields → tag URI → hex → the same fields and GSRN (10,000 runs)", () => {
    fc.assert(
      fc.property(
        companyPrefixIn(GSRN_PARTITIONS),
        digits(11),
        fc.integer({ min: 0, max: 7 }),
        ({ companyPrefix, row }, d, filter) => {
          const serviceReference = d.slice(0, row.referenceDigits);
          const ids = `${companyPrefix}.${serviceReference}`;
          const { tagUri, decoded } = encodeBothWays(scheme, filter, ids);
          const body = companyPrefix + serviceReference;
          assertFields(decoded, {
            scheme,
            filter,
            partition: row.partition,
            companyPrefix,
            serviceReference,
            gsrn: `${body}${gs1CheckDigit(body)}`,
            pureIdentityUri: `urn:epc:id:${scheme.replace("-96", "")}:${ids}`,
            tagUri,
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("hex → decode → encode → the same hex, wherever decoding succeeds (10,000 runs)", () => {
    const hexes = epcHex(header, 24, GSRN_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      mostlyBelow(row.referenceBits, 10n ** BigInt(row.referenceDigits)),
      mostlyZero(24),
    ]);
    expect(hexRoundTrip(hexes, ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE"], scheme)).toBeGreaterThan(RUNS / 3);
  });

  it.each([
    [
      "partition 7",
      hexOf(
        [
          [header, 8],
          [3, 3],
          [7, 3],
        ],
        24,
      ),
      "TALLY_ERR_EPC_PARTITION",
    ],
    [
      "non-zero reserved bits",
      hexOf(
        [
          [header, 8],
          [3, 3],
          [5, 3],
          [614141, 24],
          [1, 34],
          [1, 24],
        ],
        24,
      ),
      "TALLY_ERR_EPC_RANGE",
    ],
    [
      "a service reference beyond its 10 digits",
      hexOf(
        [
          [header, 8],
          [3, 3],
          [5, 3],
          [614141, 24],
          [10_000_000_000, 34],
        ],
        24,
      ),
      "TALLY_ERR_EPC_RANGE",
    ],
    ["a 128-bit length", `${hexOf([[header, 8]], 24)}00000000`, "TALLY_ERR_EPC_LENGTH"],
  ])("decode refuses %s", (_what, hex, code) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code } });
  });

  it.each([
    ["a short service reference", `urn:epc:tag:${scheme}:3.0614141.123456789`, "TALLY_ERR_EPC_RANGE"],
    ["a letter", `urn:epc:tag:${scheme}:3.0614141.123456789A`, "TALLY_ERR_EPC_URI"],
    ["a third component", `urn:epc:tag:${scheme}:3.0614141.1234567890.1`, "TALLY_ERR_EPC_URI"],
    ["a 13-digit company prefix", `urn:epc:tag:${scheme}:3.0614141000001.1234`, "TALLY_ERR_EPC_PARTITION"],
  ])("encode refuses %s", (_what, uri, code) => {
    expect(encodeEpc(uri)).toMatchObject({ ok: false, error: { code } });
  });
});
