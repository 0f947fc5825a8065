import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEpc } from "../decode-epc.js";
import { encodeEpc } from "../encode-epc.js";
import { CPI96_PARTITIONS, CPIVAR_PARTITIONS } from "../partition-tables.js";
import {
  anyBits,
  assertFields,
  check,
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

/** TDS 2.x Annex E.3, CPI-var row: 132 bits, printed as 33 hex digits. */
const VAR_E3 = "3D74257BF75411DEF6B4CC00000003039";
const VAR_VALUE = {
  scheme: "cpi-var",
  filter: 3,
  partition: 5,
  companyPrefix: "0614141",
  partReference: "5PQ7/Z43",
  serial: "12345",
  cpi: "06141415PQ7/Z43",
  pureIdentityUri: "urn:epc:id:cpi:0614141.5PQ7%2FZ43.12345",
  tagUri: "urn:epc:tag:cpi-var:3.0614141.5PQ7%2FZ43.12345",
};
const CPI_CHARS = [..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ#-/"];

describe("CPI-var (TDS 2.x §14.5, variable length)", () => {
  it("decodes the Annex E.3 example padded to whole bytes (34 digits) or words (36 digits)", () => {
    expect(decodeEpc(`${VAR_E3}0`)).toEqual({ ok: true, value: VAR_VALUE });
    expect(decodeEpc(`${VAR_E3}000`)).toEqual({ ok: true, value: VAR_VALUE });
  });

  it("writes '#' as %23 in its URIs (TDS §6.3) and reads it back", () => {
    const hex = encodeEpc("urn:epc:tag:cpi-var:3.0614141.A%23B.7");
    expect(hex.ok && decodeEpc(hex.value)).toMatchObject({
      ok: true,
      value: { partReference: "A#B", tagUri: "urn:epc:tag:cpi-var:3.0614141.A%23B.7" },
    });
  });

  it("encodes the Annex E.3 tag URI and pure identity URI to 9 words", () => {
    expect(encodeEpc(VAR_VALUE.tagUri)).toEqual({ ok: true, value: `${VAR_E3}000` });
    expect(encodeEpc(VAR_VALUE.pureIdentityUri, { scheme: "cpi-var", filter: 3 })).toEqual({
      ok: true,
      value: `${VAR_E3}000`,
    });
  });

  it("fields → tag URI → hex → the same fields, lengths 1 to the partition's maximum (10,000 runs)", () => {
    fc.assert(
      fc.property(
        companyPrefixIn(CPIVAR_PARTITIONS),
        fc.string({ unit: fc.constantFrom(...CPI_CHARS), minLength: 1, maxLength: 24 }),
        fc.bigInt({ min: 0n, max: 999_999_999_999n }).map(String),
        fc.integer({ min: 0, max: 7 }),
        ({ companyPrefix, row }, text, serial, filter) => {
          const partReference = text.slice(0, row.referenceDigits);
          const escaped = partReference.replaceAll("#", "%23").replaceAll("/", "%2F");
          const ids = `${companyPrefix}.${escaped}.${serial}`;
          const { tagUri, hex, decoded } = encodeBothWays("cpi-var", filter, ids);
          const bits = 14 + row.companyPrefixBits + 6 * (partReference.length + 1) + 40;
          check(hex.length === Math.ceil(bits / 16) * 4, () => `${tagUri}: ${hex}`);
          assertFields(decoded, {
            scheme: "cpi-var",
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

  const head = [
    [0x3d, 8],
    [3, 3],
    [5, 3],
    [614141, 24],
  ] as const;

  it.each([
    [
      "partition 7",
      hexOf(
        [
          [0x3d, 8],
          [3, 3],
          [7, 3],
        ],
        36,
      ),
      "TALLY_ERR_EPC_PARTITION",
    ],
    ["an empty part reference", hexOf([...head, [0, 6], [1, 40]], 24), "TALLY_ERR_EPC_SERIAL"],
    ["a 6-bit code outside Table A-2 (0x20)", hexOf([...head, [0x20, 6], [0, 6], [1, 40]], 24), "TALLY_ERR_EPC_SERIAL"],
    [
      "a 24-character part reference with a 7-digit prefix",
      hexOf([...head, ...Array.from({ length: 24 }, () => [0x01, 6] as const), [0, 6], [1, 40]], 52),
      "TALLY_ERR_EPC_SERIAL",
    ],
    [
      "no terminator before the end",
      hexOf([...head, ...Array.from({ length: 10 }, () => [0x01, 6] as const)], 24),
      "TALLY_ERR_EPC_LENGTH",
    ],
    [
      "a serial of 13 digits",
      hexOf([...head, [0x01, 6], [0, 6], [1_000_000_000_000n, 40]], 24),
      "TALLY_ERR_EPC_SERIAL",
    ],
    ["a serial cut off", hexOf([...head, [0x01, 6], [0, 6]], 16), "TALLY_ERR_EPC_LENGTH"],
    ["more words than the fields take", `${VAR_E3}0000000`, "TALLY_ERR_EPC_LENGTH"],
    ["non-zero padding", `${VAR_E3}001`, "TALLY_ERR_EPC_RANGE"],
  ])("decode refuses %s", (_what, hex, code) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code } });
  });

  it.each([
    ["a lower-case letter", "urn:epc:tag:cpi-var:3.0614141.5pq7.1", "TALLY_ERR_EPC_SERIAL"],
    ["an empty part reference", "urn:epc:tag:cpi-var:3.0614141..1", "TALLY_ERR_EPC_SERIAL"],
    [
      "24 characters with a 7-digit prefix",
      `urn:epc:tag:cpi-var:3.0614141.${"A".repeat(24)}.1`,
      "TALLY_ERR_EPC_SERIAL",
    ],
    ["a 13-digit serial", "urn:epc:tag:cpi-var:3.0614141.A.1000000000000", "TALLY_ERR_EPC_SERIAL"],
    ["a serial with a leading zero", "urn:epc:tag:cpi-var:3.0614141.A.01", "TALLY_ERR_EPC_SERIAL"],
    ["an unescaped '/'", "urn:epc:tag:cpi-var:3.0614141.5PQ7/Z43.1", "TALLY_ERR_EPC_URI"],
    ["an unescaped '#'", "urn:epc:tag:cpi-var:3.0614141.5PQ7#.1", "TALLY_ERR_EPC_URI"],
    ["a truncated escape", "urn:epc:tag:cpi-var:3.0614141.5PQ7%2.1", "TALLY_ERR_EPC_URI"],
    ["an escaped character outside the CPI set", "urn:epc:tag:cpi-var:3.0614141.A%2A.1", "TALLY_ERR_EPC_SERIAL"],
    [
      "a 10,000-character part reference",
      `urn:epc:tag:cpi-var:3.0614141.${"A".repeat(10_000)}.1`,
      "TALLY_ERR_EPC_SERIAL",
    ],
  ])("encode refuses %s", (_what, uri, code) => {
    expect(encodeEpc(uri)).toMatchObject({ ok: false, error: { code } });
  });
});
