import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEpc } from "../decode-epc.js";
import { type EncodeEpcOptions, encodeEpc } from "../encode-epc.js";
import { check, hexOf } from "../test-support.js";

/**
 * TDS 2.x Annex E.3, ADI-var row: a 5-character CAGE code (after a space), a
 * 6-character part number and an 8-character serial, 146 bits written as 37
 * hex digits; a reader's EPC bank holds the same bits in 10 words (40 digits).
 */
const E3_HEX = "3B0E0CF5E76C9047759AD00373DC7602E7200";
const E3_WORDS = `${E3_HEX}000`;
const E3 = {
  scheme: "adi-var",
  filter: 3,
  cageOrDodaac: "35962",
  partNumber: "PQ7VZ4",
  serial: "M37GXB92",
  pureIdentityUri: "urn:epc:id:adi:35962.PQ7VZ4.M37GXB92",
  tagUri: "urn:epc:tag:adi-var:3.35962.PQ7VZ4.M37GXB92",
};

/** 6-bit codes of `text` (the low 6 bits of each ASCII code), as hexOf fields. */
const chars6 = (text: string): [number, number][] => [...text].map((c) => [c.charCodeAt(0) & 0x3f, 6]);

/** An ADI-var built field by field, independently of the encoder. */
function adiHex(filter: number, cage: string, part: string, serial: string, hexDigits?: number): string {
  const fields: [number, number][] = [
    [0x3b, 8],
    [filter, 6],
    ...chars6(cage.padStart(6, " ")),
    ...chars6(part),
    [0, 6],
    ...chars6(serial),
    [0, 6],
  ];
  const bits = fields.reduce((n, [, width]) => n + width, 0);
  return hexOf(fields, hexDigits ?? Math.ceil(bits / 16) * 4);
}

const ADI_CHAR = fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-/");

describe("ADI-var (TDS 2.x §14.5)", () => {
  it("decodes the Annex E.3 example as printed (37 hex digits) and as a reader reports it (40)", () => {
    expect(decodeEpc(E3_HEX)).toEqual({ ok: true, value: E3 });
    expect(decodeEpc(E3_WORDS)).toEqual({ ok: true, value: E3 });
    expect(decodeEpc(E3_WORDS.toLowerCase())).toEqual({ ok: true, value: E3 });
  });

  it("encodes the Annex E.3 tag URI, and its pure identity URI with filter 3, to whole words", () => {
    expect(encodeEpc(E3.tagUri)).toEqual({ ok: true, value: E3_WORDS });
    expect(encodeEpc(E3.pureIdentityUri, { filter: 3 })).toEqual({ ok: true, value: E3_WORDS });
    expect(encodeEpc(E3.pureIdentityUri)).toEqual({ ok: true, value: adiHex(0, "35962", "PQ7VZ4", "M37GXB92") });
  });

  it("reads a DoDAAC, an empty part number, and a '#' serial with its escapes", () => {
    const hex = adiHex(0, "W81XWH", "", "#A/1");
    expect(decodeEpc(hex)).toMatchObject({
      ok: true,
      value: {
        cageOrDodaac: "W81XWH",
        partNumber: "",
        serial: "#A/1",
        pureIdentityUri: "urn:epc:id:adi:W81XWH..%23A%2F1",
        tagUri: "urn:epc:tag:adi-var:0.W81XWH..%23A%2F1",
      },
    });
    expect(encodeEpc("urn:epc:tag:adi-var:0.W81XWH..%23A%2F1")).toEqual({ ok: true, value: hex });
  });

  it("fields → tag URI → hex → the same URI, any lengths and 6-bit filters (2,000 runs)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), minLength: 5, maxLength: 6 }),
        fc.string({ unit: ADI_CHAR, maxLength: 32 }),
        fc.boolean(),
        fc.string({ unit: ADI_CHAR, minLength: 1, maxLength: 29 }),
        fc.integer({ min: 0, max: 63 }),
        (cage, part, hash, rest, filter) => {
          const serial = hash ? `#${rest}` : rest;
          const escapeAdi = (text: string) => text.replaceAll("#", "%23").replaceAll("/", "%2F");
          const tagUri = `urn:epc:tag:adi-var:${filter}.${cage}.${escapeAdi(part)}.${escapeAdi(serial)}`;
          const hex = encodeEpc(tagUri);
          check(hex.ok && hex.value === adiHex(filter, cage, part, serial), () => `${tagUri}: ${JSON.stringify(hex)}`);
          const decoded = hex.ok ? decodeEpc(hex.value) : hex;
          check(
            decoded.ok && decoded.value.scheme === "adi-var" && decoded.value.tagUri === tagUri,
            () => `${tagUri}: ${JSON.stringify(decoded)}`,
          );
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("takes 434 bits at most: a 32-character part number and a 30-character serial", () => {
    const part = "P".repeat(32);
    const serial = "S".repeat(30);
    const hex = encodeEpc(`urn:epc:tag:adi-var:1.35962.${part}.${serial}`);
    expect(hex).toEqual({ ok: true, value: adiHex(1, "35962", part, serial) });
    expect(hex.ok && hex.value.length).toBe(112); // 434 bits → 28 words
  });

  it.each([
    ["a lower-case CAGE character", adiHex(3, "3596a", "P", "S")],
    ["a 4-character CAGE code after two spaces", adiHex(3, " 3596", "P", "S")],
    ["a '#' in the part number", adiHex(3, "35962", "#P", "S")],
    ["a '#' after a serial's first character", adiHex(3, "35962", "P", "S#1")],
    ["a character outside the ADI set (':')", adiHex(3, "35962", "P", "S:1")],
    ["an empty serial", adiHex(3, "35962", "P", "")],
    ["a serial of '#' alone", adiHex(3, "35962", "P", "#")],
    ["a 33-character part number", adiHex(3, "35962", "P".repeat(33), "S")],
    ["a 31-character serial", adiHex(3, "35962", "P", "S".repeat(31))],
  ])("decode refuses %s (TALLY_ERR_EPC_SERIAL)", (_what, hex) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code: "TALLY_ERR_EPC_SERIAL" } });
  });

  it.each([
    ["a serial with no terminating zero", hexOf([[0x3b, 8], [3, 6], ...chars6(" 35962"), [0, 6], ...chars6("SS")], 17)],
    ["a part number running off the end", hexOf([[0x3b, 8], [3, 6], ...chars6(" 35962PPPP")], 20)],
    ["a CAGE code cut short", "3B0E0C"],
    ["an EPC longer than its fields by a word", `${E3_WORDS}0000`],
    ["an odd length that is not the fields' own", `${E3_HEX}00`],
  ])("decode refuses %s (TALLY_ERR_EPC_LENGTH)", (_what, hex) => {
    expect(decodeEpc(hex)).toMatchObject({ ok: false, error: { code: "TALLY_ERR_EPC_LENGTH" } });
  });

  it("refuses non-zero padding bits", () => {
    expect(decodeEpc(`${E3_HEX}001`)).toMatchObject({ ok: false, error: { code: "TALLY_ERR_EPC_RANGE" } });
  });

  it("keeps odd lengths refused for every other scheme", () => {
    expect(decodeEpc("3074257BF7194E4000001A850")).toMatchObject({
      ok: false,
      error: { code: "TALLY_ERR_EPC_LENGTH" },
    });
  });

  it.each([
    ["filter 64", "urn:epc:tag:adi-var:64.35962.P.S", "TALLY_ERR_EPC_RANGE"],
    ["a 4-character CAGE code", "urn:epc:tag:adi-var:3.3596.P.S", "TALLY_ERR_EPC_SERIAL"],
    ["a 7-character CAGE code", "urn:epc:tag:adi-var:3.3596200.P.S", "TALLY_ERR_EPC_SERIAL"],
    ["a lower-case part number", "urn:epc:tag:adi-var:3.35962.pq7.S", "TALLY_ERR_EPC_SERIAL"],
    ["a 33-character part number", `urn:epc:tag:adi-var:3.35962.${"P".repeat(33)}.S`, "TALLY_ERR_EPC_SERIAL"],
    ["a 31-character serial", `urn:epc:tag:adi-var:3.35962.P.${"S".repeat(31)}`, "TALLY_ERR_EPC_SERIAL"],
    ["an empty serial", "urn:epc:tag:adi-var:3.35962.P.", "TALLY_ERR_EPC_SERIAL"],
    ["'#' inside the serial", "urn:epc:tag:adi-var:3.35962.P.S%231", "TALLY_ERR_EPC_SERIAL"],
    ["an unescaped '/'", "urn:epc:tag:adi-var:3.35962.P/Q.S", "TALLY_ERR_EPC_URI"],
    ["an escape other than %2F or %23", "urn:epc:tag:adi-var:3.35962.P%41.S", "TALLY_ERR_EPC_URI"],
    ["a fourth component", "urn:epc:tag:adi-var:3.35962.P.S.T", "TALLY_ERR_EPC_URI"],
    ["an ADI URI asked to be CPI-var", "urn:epc:id:adi:35962.P.S", "TALLY_ERR_EPC_HEADER", { scheme: "cpi-var" }],
  ] as [string, string, string, EncodeEpcOptions?][])("encode refuses %s", (_what, uri, code, options = {}) => {
    expect(encodeEpc(uri, options)).toMatchObject({ ok: false, error: { code } });
  });
});
