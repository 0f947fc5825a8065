import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEpc } from "./decode-epc.js";
import { type EncodeEpcOptions, encodeEpc } from "./encode-epc.js";
import { ALL_CODES } from "./test-support.js";

const codeOf = (uri: string, options?: EncodeEpcOptions): string | undefined => {
  const r = encodeEpc(uri, options);
  return r.ok ? undefined : r.error.code;
};

describe("encodeEpc: TDS 2.x Annex E.3 worked examples", () => {
  it.each([
    ["urn:epc:tag:sgtin-96:3.0614141.812345.6789", "3074257BF7194E4000001A85"],
    // 198 bits zero-padded to 13 words (TDS §15.1.1); Annex E.3 prints the first 50 digits.
    ["urn:epc:tag:sgtin-198:3.0614141.712345.32a%2Fb", "3674257BF6B7A659B2C2BF100000000000000000000000000000"],
    ["urn:epc:tag:sscc-96:3.0614141.1234567890", "3174257BF4499602D2000000"],
    ["urn:epc:tag:sgln-96:3.0614141.12345.5678", "3274257BF46072000000162E"],
    ["urn:epc:tag:grai-96:3.0614141.12345.5678", "3374257BF40C0E400000162E"],
    ["urn:epc:tag:giai-96:3.0614141.5678", "3474257BF40000000000162E"],
  ])("%s → %s", (uri, hex) => {
    expect(encodeEpc(uri)).toEqual({ ok: true, value: hex });
  });

  it.each([
    ["urn:epc:id:sgtin:0614141.812345.6789", { scheme: "sgtin-96", filter: 3 }, "3074257BF7194E4000001A85"],
    [
      "urn:epc:id:sgtin:0614141.712345.32a%2Fb",
      { scheme: "sgtin-198", filter: 3 },
      "3674257BF6B7A659B2C2BF100000000000000000000000000000",
    ],
    ["urn:epc:id:sscc:0614141.1234567890", { filter: 3 }, "3174257BF4499602D2000000"],
    ["urn:epc:id:sgln:0614141.12345.5678", { filter: 3 }, "3274257BF46072000000162E"],
    ["urn:epc:id:grai:0614141.12345.5678", { filter: 3 }, "3374257BF40C0E400000162E"],
    ["urn:epc:id:giai:0614141.5678", { filter: 3 }, "3474257BF40000000000162E"],
  ] as const)("pure identity %s with %o → %s (TDS §12.3.1: pure URI + filter + scheme)", (uri, options, hex) => {
    expect(encodeEpc(uri, options)).toEqual({ ok: true, value: hex });
  });
});

describe("encodeEpc: defaults for pure identity URIs", () => {
  it("defaults to the 96-bit scheme and filter 0, 'all others' (TDS §10.1)", () => {
    const hex = encodeEpc("urn:epc:id:sgtin:0614141.812345.6789");
    expect(hex).toEqual({ ok: true, value: "3014257BF7194E4000001A85" });
    if (hex.ok) expect(decodeEpc(hex.value)).toMatchObject({ ok: true, value: { scheme: "sgtin-96", filter: 0 } });
    expect(encodeEpc("urn:epc:id:sscc:0614141.1234567890")).toMatchObject({
      ok: true,
      value: "3114257BF4499602D2000000",
    });
  });

  it("refuses an alphanumeric serial in the default SGTIN-96 and says to use sgtin-198", () => {
    const r = encodeEpc("urn:epc:id:sgtin:0614141.712345.32a%2Fb");
    expect(r).toMatchObject({ ok: false, error: { code: "TALLY_ERR_EPC_SERIAL" } });
    if (!r.ok) expect(r.error.message).toMatch(/sgtin-198/);
  });
});

describe("encodeEpc: serials and fields the schemes forbid", () => {
  it.each([
    // TDS §14.5.1: SGTIN-96 serial is an Integer (§14.3.1): no leading zeros, below 2^38.
    ["SGTIN-96 serial with a leading zero", "urn:epc:tag:sgtin-96:3.0614141.812345.06789", "TALLY_ERR_EPC_SERIAL"],
    ["SGTIN-96 serial 2^38", `urn:epc:tag:sgtin-96:3.0614141.812345.${2 ** 38}`, "TALLY_ERR_EPC_SERIAL"],
    ["SGTIN-96 serial with a letter", "urn:epc:tag:sgtin-96:3.0614141.812345.67A9", "TALLY_ERR_EPC_SERIAL"],
    ["SGTIN-96 empty serial", "urn:epc:tag:sgtin-96:3.0614141.812345.", "TALLY_ERR_EPC_SERIAL"],
    // TDS §14.3.2: at most 140/7 = 20 characters, each from Table A-1.
    [
      "SGTIN-198 serial of 21 characters",
      `urn:epc:tag:sgtin-198:3.0614141.712345.${"A".repeat(21)}`,
      "TALLY_ERR_EPC_SERIAL",
    ],
    ["SGTIN-198 empty serial", "urn:epc:tag:sgtin-198:3.0614141.712345.", "TALLY_ERR_EPC_SERIAL"],
    [
      "SGTIN-198 8-bit character (é, literal)",
      "urn:epc:tag:sgtin-198:3.0614141.712345.caf\u00e9",
      "TALLY_ERR_EPC_SERIAL",
    ],
    ["SGTIN-198 8-bit character (%E9)", "urn:epc:tag:sgtin-198:3.0614141.712345.caf%E9", "TALLY_ERR_EPC_SERIAL"],
    ["SGTIN-198 UTF-8 bytes (%C3%A9)", "urn:epc:tag:sgtin-198:3.0614141.712345.caf%C3%A9", "TALLY_ERR_EPC_SERIAL"],
    ["SGTIN-198 escaped space (%20)", "urn:epc:tag:sgtin-198:3.0614141.712345.a%20b", "TALLY_ERR_EPC_SERIAL"],
    ["SGTIN-198 '#'", "urn:epc:tag:sgtin-198:3.0614141.712345.a#b", "TALLY_ERR_EPC_SERIAL"],
    ["SGTIN-198 full-width letters", "urn:epc:tag:sgtin-198:3.0614141.712345.ＡＢ", "TALLY_ERR_EPC_SERIAL"],
    // TDS §14.5.3–§14.5.5: the 96-bit GRAI, GIAI and SGLN extension are Integers.
    ["GRAI-96 serial with an escaped '/'", "urn:epc:tag:grai-96:3.0614141.12345.12%2F3", "TALLY_ERR_EPC_SERIAL"],
    ["GRAI-96 serial with a leading zero", "urn:epc:tag:grai-96:3.0614141.12345.05678", "TALLY_ERR_EPC_SERIAL"],
    ["GRAI-96 serial 2^38", `urn:epc:tag:grai-96:3.0614141.12345.${2 ** 38}`, "TALLY_ERR_EPC_SERIAL"],
    ["GIAI-96 alphanumeric reference", "urn:epc:tag:giai-96:3.0614141.32a%2Fb", "TALLY_ERR_EPC_SERIAL"],
    ["GIAI-96 reference with a leading zero", "urn:epc:tag:giai-96:3.0614141.05678", "TALLY_ERR_EPC_SERIAL"],
    [
      "GIAI-96 reference 2^58 with a 7-digit prefix",
      `urn:epc:tag:giai-96:3.0614141.${2n ** 58n}`,
      "TALLY_ERR_EPC_SERIAL",
    ],
    ["SGLN-96 extension 2^41", `urn:epc:tag:sgln-96:3.0614141.12345.${2 ** 41}`, "TALLY_ERR_EPC_SERIAL"],
    ["SGLN-96 alphanumeric extension", "urn:epc:tag:sgln-96:3.0614141.12345.A1", "TALLY_ERR_EPC_SERIAL"],
    // TDS §14.3.3: the company prefix length selects the partition; 6–12 digits only.
    ["5-digit company prefix", "urn:epc:tag:sgtin-96:3.06141.81234567.6789", "TALLY_ERR_EPC_PARTITION"],
    ["13-digit company prefix", "urn:epc:tag:sscc-96:3.0614141000000.1234", "TALLY_ERR_EPC_PARTITION"],
    ["empty company prefix", "urn:epc:id:giai:.5678", "TALLY_ERR_EPC_PARTITION"],
    ["item reference one digit short", "urn:epc:tag:sgtin-96:3.0614141.81234.6789", "TALLY_ERR_EPC_RANGE"],
    ["serial reference one digit long", "urn:epc:tag:sscc-96:3.0614141.12345678901", "TALLY_ERR_EPC_RANGE"],
    [
      "non-empty location reference with a 12-digit prefix",
      "urn:epc:tag:sgln-96:3.061414112345.1.0",
      "TALLY_ERR_EPC_RANGE",
    ],
    ["filter 8", "urn:epc:tag:sgtin-96:8.0614141.812345.6789", "TALLY_ERR_EPC_RANGE"],
  ])("%s → %s", (_what, uri, code) => {
    expect(codeOf(uri)).toBe(code);
  });

  it("accepts the limits: SGTIN-96 serial 2^38−1, SGTIN-198 20 characters, GIAI-96 2^58−1, empty SGLN location reference", () => {
    expect(encodeEpc(`urn:epc:tag:sgtin-96:3.0614141.812345.${2 ** 38 - 1}`).ok).toBe(true);
    expect(encodeEpc(`urn:epc:tag:sgtin-198:3.0614141.712345.${"z".repeat(20)}`).ok).toBe(true);
    expect(encodeEpc(`urn:epc:tag:giai-96:3.0614141.${2n ** 58n - 1n}`).ok).toBe(true);
    const sgln = encodeEpc("urn:epc:tag:sgln-96:3.061414112345..0");
    expect(sgln.ok).toBe(true);
    if (sgln.ok) {
      expect(decodeEpc(sgln.value)).toMatchObject({
        ok: true,
        value: { locationReference: "", gln: "0614141123452", tagUri: "urn:epc:tag:sgln-96:3.061414112345..0" },
      });
    }
  });

  it("options filter and scheme are checked (TDS §10.1, §14.2)", () => {
    expect(codeOf("urn:epc:id:sgtin:0614141.812345.6789", { filter: 9 })).toBe("TALLY_ERR_EPC_RANGE");
    expect(codeOf("urn:epc:id:sgtin:0614141.812345.6789", { filter: 1.5 })).toBe("TALLY_ERR_EPC_RANGE");
    expect(codeOf("urn:epc:id:sgtin:0614141.812345.6789", { filter: -1 })).toBe("TALLY_ERR_EPC_RANGE");
    expect(codeOf("urn:epc:id:sgtin:0614141.812345.6789", { scheme: "sscc-96" })).toBe("TALLY_ERR_EPC_HEADER");
    expect(codeOf("urn:epc:tag:sgtin-96:3.0614141.812345.6789", { scheme: "sgtin-198" })).toBe("TALLY_ERR_EPC_URI");
    expect(codeOf("urn:epc:tag:sgtin-96:3.0614141.812345.6789", { filter: 1 })).toBe("TALLY_ERR_EPC_URI");
    expect(encodeEpc("urn:epc:tag:sgtin-96:3.0614141.812345.6789", { scheme: "sgtin-96", filter: 3 }).ok).toBe(true);
  });
});

describe("encodeEpc: URI syntax (TDS §6, §12, Appendix A URI escapes)", () => {
  it.each([
    ["empty", ""],
    ["not a URN", "http://example.com/01/80614141123458/21/6789"],
    ["no type", "urn:epc:id:"],
    ["type without components", "urn:epc:id:sgtin:"],
    ["tag URI without filter", "urn:epc:tag:sgtin-96:0614141"],
    ["non-numeric filter", "urn:epc:tag:sgtin-96:x.0614141.812345.6789"],
    ["filter with a leading zero", "urn:epc:tag:sgtin-96:03.0614141.812345.6789"],
    ["missing component", "urn:epc:id:sgtin:0614141.812345"],
    ["extra component in a numeric scheme", "urn:epc:id:sscc:0614141.1234567890.5"],
    ["letter in the company prefix", "urn:epc:id:sgtin:06141A1.812345.6789"],
    ["full-width digits in the company prefix", "urn:epc:id:sgtin:０614141.812345.6789"],
    ["unescaped '/' in a serial", "urn:epc:tag:sgtin-198:3.0614141.712345.32a/b"],
    ["unescaped '%'", "urn:epc:tag:sgtin-198:3.0614141.712345.100%"],
    ["truncated escape", "urn:epc:tag:sgtin-198:3.0614141.712345.a%2"],
    ["non-hex escape", "urn:epc:tag:sgtin-198:3.0614141.712345.a%G1"],
    ["raw URI with mismatched length", "urn:epc:raw:64.xE2801160600002054E3F1A85"],
    ["raw URI in decimal form", "urn:epc:raw:96.123456"],
    ["raw URI with an AFI", "urn:epc:raw:96.xC1.x1234567890ABCDEF01234567"],
  ])("%s → TALLY_ERR_EPC_URI", (_what, uri) => {
    expect(codeOf(uri)).toBe("TALLY_ERR_EPC_URI");
  });

  it.each([
    // GDTI-113 was withdrawn in TDS 1.x; PGLN has a pure identity URI but no binary scheme (TDS 2.x §6.3).
    ["withdrawn binary scheme", "urn:epc:tag:gdti-113:3.0614141.12345.400"],
    ["EPC type without a binary scheme", "urn:epc:id:pgln:0614141.12345"],
    ["unknown binary scheme", "urn:epc:tag:sgtin-97:3.0614141.812345.6789"],
  ])("%s → TALLY_ERR_EPC_HEADER", (_what, uri) => {
    expect(codeOf(uri)).toBe("TALLY_ERR_EPC_HEADER");
  });

  it("unescapes lower-case escapes and escapes of plain characters, and re-escapes canonically", () => {
    const hex = encodeEpc("urn:epc:tag:sgtin-198:3.0614141.712345.32a%2fb");
    expect(hex).toEqual({ ok: true, value: "3674257BF6B7A659B2C2BF100000000000000000000000000000" });
    const plain = encodeEpc("urn:epc:tag:sgtin-198:3.0614141.712345.%41");
    expect(plain.ok && decodeEpc(plain.value)).toMatchObject({
      ok: true,
      value: { serial: "A", tagUri: "urn:epc:tag:sgtin-198:3.0614141.712345.A" },
    });
  });

  it("keeps dots in the last alphanumeric component (TDS §5 GS3A3Component allows '.')", () => {
    const hex = encodeEpc("urn:epc:tag:sgtin-198:3.0614141.712345.a.b.c");
    expect(hex.ok && decodeEpc(hex.value)).toMatchObject({ ok: true, value: { serial: "a.b.c" } });
  });

  it("accepts URN prefix and scheme names in any case (RFC 8141), and emits upper-case hex", () => {
    expect(encodeEpc("URN:EPC:TAG:SGTIN-96:3.0614141.812345.6789")).toEqual({
      ok: true,
      value: "3074257BF7194E4000001A85",
    });
  });

  it("encodes raw URIs back to their hex (TDS §12.4)", () => {
    expect(encodeEpc("urn:epc:raw:96.xE2801160600002054E3F1A85")).toEqual({
      ok: true,
      value: "E2801160600002054E3F1A85",
    });
    expect(encodeEpc("urn:epc:raw:96.xe2801160600002054e3f1a85")).toEqual({
      ok: true,
      value: "E2801160600002054E3F1A85",
    });
  });

  it("never throws and returns a known code for any string (fast-check, 10,000 runs)", () => {
    const prefixes = [
      "",
      "urn:epc:id:sgtin:",
      "urn:epc:id:sscc:",
      "urn:epc:id:sgln:",
      "urn:epc:id:grai:",
      "urn:epc:id:giai:",
      "urn:epc:tag:sgtin-96:",
      "urn:epc:tag:sgtin-198:3.",
      "urn:epc:tag:sscc-96:1.",
      "urn:epc:tag:sgln-96:",
      "urn:epc:tag:grai-96:0.",
      "urn:epc:tag:giai-96:7.",
      "urn:epc:raw:",
    ];
    const tail = fc.oneof(
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.string({ unit: fc.constantFrom(..."0123456789.%2FAaé７ \u0000"), maxLength: 60 }),
    );
    const options = fc.record(
      {
        scheme: fc.constantFrom("sgtin-96", "sgtin-198", "sscc-96", "sgln-96", "grai-96", "giai-96"),
        filter: fc.integer({ min: -2, max: 9 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), tail, options, (prefix, rest, opts) => {
        const r = encodeEpc(prefix + rest, opts);
        return r.ok ? /^[0-9A-F]+$/.test(r.value) : ALL_CODES.includes(r.error.code);
      }),
      { numRuns: 10_000 },
    );
  });

  it("returns an error, not an exception, for a 1 MB URI", () => {
    expect(codeOf(`urn:epc:tag:sgtin-198:3.0614141.712345.${"A".repeat(1 << 20)}`)).toBe("TALLY_ERR_EPC_SERIAL");
    expect(codeOf(`urn:epc:id:sgtin:${"0".repeat(1 << 20)}.1.1`)).toBe("TALLY_ERR_EPC_PARTITION");
    expect(codeOf("x".repeat(1 << 20))).toBe("TALLY_ERR_EPC_URI");
  });
});
