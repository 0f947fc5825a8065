import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasValidCheckDigit } from "../gs1/check-digit.js";
import { decodeEpc } from "./decode-epc.js";
import { ALL_CODES, hexOf } from "./test-support.js";

const SGTIN198_E3 = "3674257BF6B7A659B2C2BF1000000000000000000000000000";

/**
 * TDS 2.x Annex E.3 ("summary examples of all EPC schemes"), cross-checked
 * against the GS1 TDT test vectors and open-source TDS implementations.
 * The Annex prints the SGTIN-198 item reference as 812345; its hex encodes
 * 712345 (a known erratum), which is what the bits decode to.
 */
const ANNEX_E3 = [
  {
    hex: "3074257BF7194E4000001A85",
    value: {
      scheme: "sgtin-96",
      filter: 3,
      partition: 5,
      companyPrefix: "0614141",
      itemReference: "812345",
      serial: "6789",
      gtin: "80614141123458",
      pureIdentityUri: "urn:epc:id:sgtin:0614141.812345.6789",
      tagUri: "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
    },
  },
  {
    // 198 bits padded to 13 16-bit words, as a Gen2 reader reports them (TDS §15.1.1).
    hex: `${SGTIN198_E3}00`,
    value: {
      scheme: "sgtin-198",
      filter: 3,
      partition: 5,
      companyPrefix: "0614141",
      itemReference: "712345",
      serial: "32a/b",
      gtin: "70614141123451",
      pureIdentityUri: "urn:epc:id:sgtin:0614141.712345.32a%2Fb",
      tagUri: "urn:epc:tag:sgtin-198:3.0614141.712345.32a%2Fb",
    },
  },
  {
    hex: "3174257BF4499602D2000000",
    value: {
      scheme: "sscc-96",
      filter: 3,
      partition: 5,
      companyPrefix: "0614141",
      serialReference: "1234567890",
      sscc: "106141412345678908",
      pureIdentityUri: "urn:epc:id:sscc:0614141.1234567890",
      tagUri: "urn:epc:tag:sscc-96:3.0614141.1234567890",
    },
  },
  {
    hex: "3274257BF46072000000162E",
    value: {
      scheme: "sgln-96",
      filter: 3,
      partition: 5,
      companyPrefix: "0614141",
      locationReference: "12345",
      extension: "5678",
      gln: "0614141123452",
      pureIdentityUri: "urn:epc:id:sgln:0614141.12345.5678",
      tagUri: "urn:epc:tag:sgln-96:3.0614141.12345.5678",
    },
  },
  {
    hex: "3374257BF40C0E400000162E",
    value: {
      scheme: "grai-96",
      filter: 3,
      partition: 5,
      companyPrefix: "0614141",
      assetType: "12345",
      serial: "5678",
      grai: "006141411234525678",
      pureIdentityUri: "urn:epc:id:grai:0614141.12345.5678",
      tagUri: "urn:epc:tag:grai-96:3.0614141.12345.5678",
    },
  },
  {
    hex: "3474257BF40000000000162E",
    value: {
      scheme: "giai-96",
      filter: 3,
      partition: 5,
      companyPrefix: "0614141",
      individualAssetReference: "5678",
      giai: "06141415678",
      pureIdentityUri: "urn:epc:id:giai:0614141.5678",
      tagUri: "urn:epc:tag:giai-96:3.0614141.5678",
    },
  },
] as const;

const codeOf = (hex: string): string | undefined => {
  const r = decodeEpc(hex);
  return r.ok ? undefined : r.error.code;
};

describe("decodeEpc: TDS 2.x Annex E.3 worked examples", () => {
  it.each(ANNEX_E3)("decodes $value.tagUri from $hex", ({ hex, value }) => {
    expect(decodeEpc(hex)).toEqual({ ok: true, value });
  });

  it.each(ANNEX_E3)("accepts lower-case hex for $value.scheme (TDS §14.4 reads bits, not text)", ({ hex, value }) => {
    expect(decodeEpc(hex.toLowerCase())).toEqual({ ok: true, value });
  });

  it("accepts SGTIN-198 padded to whole bytes (50 hex digits, as printed in Annex E.3)", () => {
    expect(decodeEpc(SGTIN198_E3)).toEqual({ ok: true, value: ANNEX_E3[1].value });
  });

  it("computes valid GS1 check digits for every key (GS1 GenSpecs §7.9.1, TDS §7)", () => {
    expect(hasValidCheckDigit(ANNEX_E3[0].value.gtin)).toBe(true);
    expect(hasValidCheckDigit(ANNEX_E3[2].value.sscc)).toBe(true);
    expect(hasValidCheckDigit(ANNEX_E3[3].value.gln)).toBe(true);
    expect(hasValidCheckDigit(ANNEX_E3[4].value.grai.slice(0, 14))).toBe(true);
  });
});

describe("decodeEpc: EPCs that are not GS1-encoded → raw URI (TDS §12.3, §12.4 grammar)", () => {
  it.each([
    ["E2801160600002054E3F1A85", 96], // an Impinj TID-like value: header 0xE2 is not a GS1 scheme here
    ["000000000000000000000000", 96], // header 0x00: unprogrammed tag (TDS §14.2, Table 14-1)
    ["FFFFFFFFFFFFFFFFFFFFFFFF", 96], // header 0xFF: reserved for longer headers
    ["AABBCCDDEEFF00112233445566778899", 128],
    ["ab", 8],
  ])("%s decodes as urn:epc:raw:%i.x…", (hex, bits) => {
    expect(decodeEpc(hex)).toEqual({
      ok: true,
      value: {
        scheme: "raw",
        hex: hex.toUpperCase(),
        bits,
        pureIdentityUri: `urn:epc:raw:${bits}.x${hex.toUpperCase()}`,
      },
    });
  });
});

describe("decodeEpc: hostile and malformed input", () => {
  it.each([
    ["empty", "", "TALLY_ERR_EPC_LENGTH"],
    ["1 MB of hex digits", "3".repeat(1 << 20), "TALLY_ERR_EPC_LENGTH"],
    ["1 MB of non-hex", "z".repeat(1 << 20), "TALLY_ERR_EPC_NOT_HEX"],
    ["non-hex letters", "3074257BF7194E4000001AZZ", "TALLY_ERR_EPC_NOT_HEX"],
    ["a 0x prefix", "0x3074257BF7194E4000001A85", "TALLY_ERR_EPC_NOT_HEX"],
    ["surrounding spaces", " 3074257BF7194E4000001A85 ", "TALLY_ERR_EPC_NOT_HEX"],
    ["separators", "30-74-25-7B-F7-19-4E-40-00-00-1A-85", "TALLY_ERR_EPC_NOT_HEX"],
    ["full-width digits", "３０７４257BF7194E4000001A85", "TALLY_ERR_EPC_NOT_HEX"],
    ["full-width letters", "3074257ＢＦ7194E4000001A85", "TALLY_ERR_EPC_NOT_HEX"],
    ["Arabic-Indic digits", "٣٠٧٤257BF7194E4000001A85", "TALLY_ERR_EPC_NOT_HEX"],
    ["an emoji", "3074257BF7194E4000001A8😀", "TALLY_ERR_EPC_NOT_HEX"],
    ["a NUL", "3074257BF7194E4000001A8\u0000", "TALLY_ERR_EPC_NOT_HEX"],
    ["odd length", "3074257BF7194E4000001A8", "TALLY_ERR_EPC_LENGTH"],
    ["SGTIN-96 truncated to 88 bits", "3074257BF7194E4000001A", "TALLY_ERR_EPC_LENGTH"],
    ["SGTIN-96 header only", "30", "TALLY_ERR_EPC_LENGTH"],
    ["SGTIN-96 with 128 bits", "3074257BF7194E4000001A8500000000", "TALLY_ERR_EPC_LENGTH"],
    ["SGTIN-198 header in 96 bits", "3674257BF6B7A659B2C2BF10", "TALLY_ERR_EPC_LENGTH"],
    ["SGTIN-198 in 51 bytes", `${SGTIN198_E3}0000`, "TALLY_ERR_EPC_LENGTH"],
    ["SSCC-96 truncated", "3174257BF4499602D200", "TALLY_ERR_EPC_LENGTH"],
    ["over 496 bits", "E2".repeat(63), "TALLY_ERR_EPC_LENGTH"],
  ])("%s → %s", (_what, hex, code) => {
    expect(codeOf(hex)).toBe(code);
  });

  // TDS §14.4.3: partition value 7 is undefined in every partition table.
  it.each([
    "307C257BF7194E4000001A85",
    "317C257BF4499602D2000000",
    "327C257BF46072000000162E",
    "337C257BF40C0E400000162E",
    "347C257BF40000000000162E",
    `367C257BF6B7A659B2C2BF100000000000000000000000000000`,
  ])("partition 7 in %s → TALLY_ERR_EPC_PARTITION", (hex) => {
    const r = decodeEpc(hex);
    expect(r).toMatchObject({ ok: false, error: { code: "TALLY_ERR_EPC_PARTITION" } });
    if (!r.ok) expect(r.error.message).toMatch(/partition 7/);
  });

  // TDS §14.4.3: a company prefix or reference whose value needs more digits than the partition gives fails.
  it.each([
    [
      "SGTIN-96 company prefix 10^7 (partition 5)",
      hexOf(
        [
          [0x30, 8],
          [3, 3],
          [5, 3],
          [10_000_000, 24],
          [1, 20],
          [1, 38],
        ],
        24,
      ),
      /company prefix/,
    ],
    [
      "SGTIN-96 item reference 10^6 (partition 5)",
      hexOf(
        [
          [0x30, 8],
          [3, 3],
          [5, 3],
          [614141, 24],
          [1_000_000, 20],
          [1, 38],
        ],
        24,
      ),
      /item reference/,
    ],
    [
      "SGTIN-96 indicator 10 (partition 0)",
      hexOf(
        [
          [0x30, 8],
          [3, 3],
          [0, 3],
          [1, 40],
          [10, 4],
          [1, 38],
        ],
        24,
      ),
      /item reference/,
    ],
    [
      "SSCC-96 serial reference 10^10 (partition 5)",
      hexOf(
        [
          [0x31, 8],
          [3, 3],
          [5, 3],
          [614141, 24],
          [10_000_000_000, 34],
        ],
        24,
      ),
      /serial reference/,
    ],
    [
      "SGLN-96 location reference bit set with a 12-digit prefix",
      hexOf(
        [
          [0x32, 8],
          [3, 3],
          [0, 3],
          [1, 40],
          [1, 1],
        ],
        24,
      ),
      /location reference/,
    ],
    [
      "GRAI-96 asset type with a 12-digit prefix",
      hexOf(
        [
          [0x33, 8],
          [3, 3],
          [0, 3],
          [1, 40],
          [1, 4],
        ],
        24,
      ),
      /asset type/,
    ],
    [
      "GIAI-96 company prefix 10^12 (partition 0)",
      hexOf(
        [
          [0x34, 8],
          [3, 3],
          [0, 3],
          [1_000_000_000_000, 40],
        ],
        24,
      ),
      /company prefix/,
    ],
    ["SSCC-96 unallocated bits not zero (TDS §14.5.2)", "3174257BF4499602D2000001", /unallocated/],
    ["SGTIN-198 word padding not zero (TDS §15.1.1)", `${SGTIN198_E3}01`, /padding/],
  ])("%s → TALLY_ERR_EPC_RANGE", (_what, hex, message) => {
    const r = decodeEpc(hex);
    expect(r).toMatchObject({ ok: false, error: { code: "TALLY_ERR_EPC_RANGE" } });
    if (!r.ok) expect(r.error.message).toMatch(message);
  });

  // TDS §14.4.2 String decoding, Appendix A Table A-1 (SGTIN-198 serial: 20 × 7 bits).
  const sgtin198 = (serial: readonly number[], tail = 0n): string =>
    hexOf(
      [
        [0x36, 8],
        [3, 3],
        [5, 3],
        [614141, 24],
        [712345, 20],
        ...serial.map((c) => [c, 7] as const),
        [tail, 140 - 7 * serial.length],
      ],
      52,
    );
  it.each([
    ["a space (0x20)", [0x33, 0x20, 0x32]],
    ["'#' (0x23)", [0x23]],
    ["'@' (0x40)", [0x41, 0x40]],
    ["DEL (0x7F)", [0x7f]],
    ["'^' (0x5E)", [0x5e]],
    ["an empty serial", []],
  ])("SGTIN-198 serial with %s → TALLY_ERR_EPC_SERIAL", (_what, serial) => {
    expect(codeOf(sgtin198(serial))).toBe("TALLY_ERR_EPC_SERIAL");
  });

  it("SGTIN-198 serial with bits after its terminating zero character → TALLY_ERR_EPC_SERIAL", () => {
    expect(codeOf(sgtin198([0x41, 0x42, 0x00, 0x43]))).toBe("TALLY_ERR_EPC_SERIAL");
    expect(codeOf(sgtin198([0x41], 1n))).toBe("TALLY_ERR_EPC_SERIAL");
    expect(decodeEpc(sgtin198([0x41]))).toMatchObject({ ok: true, value: { serial: "A" } });
  });

  it("SGTIN-198 serial of 20 characters, every Table A-1 character, decodes and escapes (TDS Appendix A)", () => {
    const chars = "!\"%&'()*+,-./:;<=>?_";
    const r = decodeEpc(sgtin198([...chars].map((c) => c.charCodeAt(0))));
    expect(r).toMatchObject({
      ok: true,
      value: { serial: chars, pureIdentityUri: "urn:epc:id:sgtin:0614141.712345.!%22%25%26'()*+,-.%2F:;%3C=%3E%3F_" },
    });
  });

  it("never throws and returns a known code for any string (fast-check, 10,000 runs)", () => {
    const hexish = fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF３ｆ٣ xX\u0000"), maxLength: 130 });
    const input = fc.oneof(fc.string({ unit: "binary", maxLength: 80 }), hexish);
    fc.assert(
      fc.property(input, (s) => {
        const r = decodeEpc(s);
        return r.ok ? typeof r.value.pureIdentityUri === "string" : ALL_CODES.includes(r.error.code);
      }),
      { numRuns: 10_000 },
    );
  });
});
