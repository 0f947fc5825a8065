import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { escapeEpcUriComponent } from "../epc-uri.js";
import { SGTIN_PARTITIONS } from "../partition-tables.js";
import {
  assertFields,
  check,
  companyPrefixIn,
  digits,
  encodeBothWays,
  hexOf,
  integerText,
  RUNS,
  TABLE_A1,
} from "../test-support.js";

/** TDS 2.x Annex E.3, ITIP-110 and ITIP-212 rows (28 and 56 hex digits: whole words). */
const ANNEX_E3 = [
  {
    hex: "4074F4E4E40C0E40820000000F6C",
    value: {
      scheme: "itip-110",
      filter: 3,
      partition: 5,
      companyPrefix: "4012345",
      itemReference: "012345",
      piece: "01",
      total: "02",
      serial: "987",
      itip: "040123451234560102",
      pureIdentityUri: "urn:epc:id:itip:4012345.012345.01.02.987",
      tagUri: "urn:epc:tag:itip-110:3.4012345.012345.01.02.987",
    },
  },
  {
    hex: "4174F4E4E40C0E4082DBDD8B36600000000000000000000000000000",
    value: {
      scheme: "itip-212",
      filter: 3,
      partition: 5,
      companyPrefix: "4012345",
      itemReference: "012345",
      piece: "01",
      total: "02",
      serial: "mw133",
      itip: "040123451234560102",
      pureIdentityUri: "urn:epc:id:itip:4012345.012345.01.02.mw133",
      tagUri: "urn:epc:tag:itip-212:3.4012345.012345.01.02.mw133",
    },
  },
] as const;

describe("ITIP-110 and ITIP-212: TDS 2.x Annex E.3", () => {
  it.each(ANNEX_E3)("decodes $value.tagUri", ({ hex, value }) => {
    expect(decodeEpc(hex)).toEqual({ ok: true, value });
  });

  it.each(ANNEX_E3)("encodes $value.tagUri and its pure identity URI", ({ hex, value }) => {
    expect(encodeEpc(value.tagUri)).toEqual({ ok: true, value: hex });
    expect(encodeEpc(value.pureIdentityUri, { scheme: value.scheme, filter: 3 })).toEqual({ ok: true, value: hex });
  });
});

/** Zero bits from the end of a one-character serial ("A" for ITIP-212; 0x41 as an integer for ITIP-110) to the scheme's last bit. */
const SERIAL_PAD = { "itip-110": 31, "itip-212": 133 } as const;

const serials = {
  "itip-110": integerText(38),
  "itip-212": fc.string({ unit: fc.constantFrom(...TABLE_A1), minLength: 1, maxLength: 20 }),
} as const;

describe.each(["itip-110", "itip-212"] as const)("%s (TDS 2.x §14.5)", (scheme) => {
  const header = scheme === "itip-110" ? 0x40 : 0x41;
  const hexDigits = scheme === "itip-110" ? 28 : 56;

  it("fields → tag URI → hex → the same fields and ITIP (10,000 runs)", () => {
    fc.assert(
      fc.property(
        companyPrefixIn(SGTIN_PARTITIONS),
        digits(7),
        digits(2),
        digits(2),
        serials[scheme],
        fc.integer({ min: 0, max: 7 }),
        ({ companyPrefix, row }, d, piece, total, serial, filter) => {
          const itemReference = d.slice(0, row.referenceDigits);
          const ids = `${companyPrefix}.${itemReference}.${piece}.${total}.${escapeEpcUriComponent(serial)}`;
          const { tagUri, hex, decoded } = encodeBothWays(scheme, filter, ids);
          check(hex.length === hexDigits, () => `${tagUri}: ${hex}`);
          const body = itemReference.slice(0, 1) + companyPrefix + itemReference.slice(1);
          assertFields(decoded, {
            scheme,
            filter,
            partition: row.partition,
            companyPrefix,
            itemReference,
            piece,
            total,
            serial,
            itip: `${body}${gs1CheckDigit(body)}${piece}${total}`,
            pureIdentityUri: `urn:epc:id:itip:${ids}`,
            tagUri,
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  const head = [
    [header, 8],
    [3, 3],
    [5, 3],
    [4012345, 24],
    [12345, 20],
  ] as const;

  it.each([
    [
      "partition 7",
      hexOf(
        [
          [header, 8],
          [3, 3],
          [7, 3],
        ],
        hexDigits,
      ),
      "TALLY_ERR_EPC_PARTITION",
    ],
    ["a piece of 100", hexOf([...head, [100, 7], [2, 7], [0x41, 7]], hexDigits), "TALLY_ERR_EPC_RANGE"],
    ["a total of 127", hexOf([...head, [1, 7], [127, 7], [0x41, 7]], hexDigits), "TALLY_ERR_EPC_RANGE"],
    [
      "an item reference beyond its 6 digits",
      hexOf(
        [
          [header, 8],
          [3, 3],
          [5, 3],
          [4012345, 24],
          [1_000_000, 20],
        ],
        hexDigits,
      ),
      "TALLY_ERR_EPC_RANGE",
    ],
    [
      "non-zero word padding",
      hexOf([...head, [1, 7], [2, 7], [0x41, 7], [0, SERIAL_PAD[scheme]], [1, 2]], hexDigits),
      "TALLY_ERR_EPC_RANGE",
    ],
    ["a 96-bit length", hexOf([[header, 8]], 24), "TALLY_ERR_EPC_LENGTH"],
  ])("decode refuses %s", (_what, hex, code) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code } });
  });

  it.each([
    ["a one-digit piece", `urn:epc:tag:${scheme}:3.4012345.012345.1.02.987`, "TALLY_ERR_EPC_RANGE"],
    ["a three-digit total", `urn:epc:tag:${scheme}:3.4012345.012345.01.002.987`, "TALLY_ERR_EPC_RANGE"],
    ["a letter in the piece", `urn:epc:tag:${scheme}:3.4012345.012345.0A.02.987`, "TALLY_ERR_EPC_URI"],
    ["four components", `urn:epc:tag:${scheme}:3.4012345.012345.01.02`, "TALLY_ERR_EPC_URI"],
    ["an empty serial", `urn:epc:tag:${scheme}:3.4012345.012345.01.02.`, "TALLY_ERR_EPC_SERIAL"],
    [
      "a too-long serial",
      `urn:epc:tag:${scheme}:3.4012345.012345.01.02.${scheme === "itip-110" ? "274877906944" : "A".repeat(21)}`,
      "TALLY_ERR_EPC_SERIAL",
    ],
  ])("encode refuses %s", (_what, uri, code) => {
    expect(encodeEpc(uri)).toMatchObject({ ok: false, error: { code } });
  });
});
