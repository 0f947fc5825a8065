import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gs1CheckDigit } from "../../gs1/check-digit.js";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { escapeEpcUriComponent } from "../epc-uri.js";
import { GDTI_PARTITIONS } from "../partition-tables.js";
import {
  anyBits,
  assertFields,
  check,
  companyPrefixIn,
  digits,
  encodeBothWays,
  epcHex,
  hexOf,
  hexRoundTrip,
  integerText,
  mostlyBelow,
  mostlyZero,
  RUNS,
  string7Field,
  TABLE_A1,
} from "../test-support.js";

/** TDS 2.x Annex E.3, GDTI-96 and GDTI-174 rows (GDTI-174: 174 bits, printed as 44 digits = 11 words). */
const ANNEX_E3 = [
  {
    hex: "2C74257BF46072000000162E",
    value: {
      scheme: "gdti-96",
      filter: 3,
      partition: 5,
      companyPrefix: "0614141",
      documentType: "12345",
      serial: "5678",
      gdti: "06141411234525678",
      pureIdentityUri: "urn:epc:id:gdti:0614141.12345.5678",
      tagUri: "urn:epc:tag:gdti-96:3.0614141.12345.5678",
    },
  },
  {
    hex: "3E74F4E4E7039B061438997367D0C18B266D1AB66EE0",
    value: {
      scheme: "gdti-174",
      filter: 3,
      partition: 5,
      companyPrefix: "4012345",
      documentType: "98765",
      serial: "ABCDefgh012345678",
      gdti: "4012345987652ABCDefgh012345678",
      pureIdentityUri: "urn:epc:id:gdti:4012345.98765.ABCDefgh012345678",
      tagUri: "urn:epc:tag:gdti-174:3.4012345.98765.ABCDefgh012345678",
    },
  },
] as const;

describe("GDTI-96 and GDTI-174: TDS 2.x Annex E.3", () => {
  it.each(ANNEX_E3)("decodes $value.tagUri", ({ hex, value }) => {
    expect(decodeEpc(hex)).toEqual({ ok: true, value });
  });

  it.each(ANNEX_E3)("encodes $value.tagUri and its pure identity URI", ({ hex, value }) => {
    expect(encodeEpc(value.tagUri)).toEqual({ ok: true, value: hex });
    expect(encodeEpc(value.pureIdentityUri, { scheme: value.scheme, filter: 3 })).toEqual({ ok: true, value: hex });
  });
});

const serials = {
  "gdti-96": integerText(41),
  "gdti-174": fc.string({ unit: fc.constantFrom(...TABLE_A1), minLength: 1, maxLength: 17 }),
} as const;

describe.each(["gdti-96", "gdti-174"] as const)("%s (TDS 2.x §14.5)", (scheme) => {
  const header = scheme === "gdti-96" ? 0x2c : 0x3e;
  const hexDigits = scheme === "gdti-96" ? 24 : 44;

  it("fields → tag URI → hex → the same fields and GDTI (10,000 runs)", () => {
    fc.assert(
      fc.property(
        companyPrefixIn(GDTI_PARTITIONS),
        digits(6),
        serials[scheme],
        fc.integer({ min: 0, max: 7 }),
        ({ companyPrefix, row }, d, serial, filter) => {
          const documentType = d.slice(0, row.referenceDigits);
          const ids = `${companyPrefix}.${documentType}.${escapeEpcUriComponent(serial)}`;
          const { tagUri, hex, decoded } = encodeBothWays(scheme, filter, ids);
          check(hex.length === hexDigits, () => `${tagUri}: ${hex}`);
          const body = companyPrefix + documentType;
          assertFields(decoded, {
            scheme,
            filter,
            partition: row.partition,
            companyPrefix,
            documentType,
            serial,
            gdti: `${body}${gs1CheckDigit(body)}${serial}`,
            pureIdentityUri: `urn:epc:id:gdti:${ids}`,
            tagUri,
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("hex → decode → encode → the same hex, wherever decoding succeeds (10,000 runs)", () => {
    const hexes = epcHex(header, hexDigits, GDTI_PARTITIONS, (row) => [
      mostlyBelow(row.companyPrefixBits, 10n ** BigInt(row.companyPrefixDigits)),
      mostlyBelow(row.referenceBits, 10n ** BigInt(row.referenceDigits)),
      ...(scheme === "gdti-96" ? [anyBits(41)] : [string7Field(119), mostlyZero(2)]),
    ]);
    expect(
      hexRoundTrip(hexes, ["TALLY_ERR_EPC_PARTITION", "TALLY_ERR_EPC_RANGE", "TALLY_ERR_EPC_SERIAL"], scheme),
    ).toBeGreaterThan(RUNS / 4);
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
        hexDigits,
      ),
      "TALLY_ERR_EPC_PARTITION",
    ],
    [
      "a document type beyond its 5 digits",
      hexOf(
        [
          [header, 8],
          [3, 3],
          [5, 3],
          [614141, 24],
          [100_000, 17],
          [0x41, 7],
        ],
        hexDigits,
      ),
      "TALLY_ERR_EPC_RANGE",
    ],
    ["a truncated EPC", hexOf([[header, 8]], hexDigits - 4), "TALLY_ERR_EPC_LENGTH"],
  ])("decode refuses %s", (_what, hex, code) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code } });
  });

  it.each([
    [
      "a 6-digit document type with a 7-digit prefix",
      `urn:epc:tag:${scheme}:3.0614141.123456.1`,
      "TALLY_ERR_EPC_RANGE",
    ],
    [
      "a serial that is too long",
      `urn:epc:tag:${scheme}:3.0614141.12345.${scheme === "gdti-96" ? "2199023255552" : "A".repeat(18)}`,
      "TALLY_ERR_EPC_SERIAL",
    ],
    ["an empty serial", `urn:epc:tag:${scheme}:3.0614141.12345.`, "TALLY_ERR_EPC_SERIAL"],
    ["a 5-digit company prefix", `urn:epc:tag:${scheme}:3.61414.123456.1`, "TALLY_ERR_EPC_PARTITION"],
  ])("encode refuses %s", (_what, uri, code) => {
    expect(encodeEpc(uri)).toMatchObject({ ok: false, error: { code } });
  });
});

describe("GDTI-174 strings", () => {
  const head = [
    [0x3e, 8],
    [3, 3],
    [5, 3],
    [614141, 24],
    [12345, 17],
  ] as const;

  it.each([
    ["a character outside Table A-1 (0x60 '`')", hexOf([...head, [0x60, 7]], 44), "TALLY_ERR_EPC_SERIAL"],
    ["bits after the terminating zero", hexOf([...head, [0x41, 7], [0, 7], [0x41, 7]], 44), "TALLY_ERR_EPC_SERIAL"],
    ["non-zero word padding", hexOf([...head, [0x41, 7], [0, 112], [1, 2]], 44), "TALLY_ERR_EPC_RANGE"],
  ])("decode refuses %s", (_what, hex, code) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code } });
  });

  it("keeps alphanumeric serials out of GDTI-96", () => {
    expect(encodeEpc("urn:epc:tag:gdti-96:3.0614141.12345.A1")).toMatchObject({
      ok: false,
      error: { code: "TALLY_ERR_EPC_SERIAL" },
    });
  });
});
