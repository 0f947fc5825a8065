import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeEpcUriComponent, unescapeEpcUriComponent } from "./epc-uri.js";
import { TABLE_A1 } from "./test-support.js";

describe("EPC URI escaping (TDS 2.x Appendix A, Table A-1; §5 GS3A3Component)", () => {
  it.each([
    ['"', "%22"],
    ["%", "%25"],
    ["&", "%26"],
    ["/", "%2F"],
    ["<", "%3C"],
    [">", "%3E"],
    ["?", "%3F"],
  ])("escapes %s as %s", (ch, escaped) => {
    expect(escapeEpcUriComponent(ch)).toBe(escaped);
    expect(unescapeEpcUriComponent(escaped, "serial")).toEqual({ ok: true, value: ch });
  });

  it("leaves the other 75 Table A-1 characters as they are", () => {
    const plain = TABLE_A1.filter((c) => !'"%&/<>?'.includes(c)).join("");
    expect(plain).toHaveLength(75);
    expect(escapeEpcUriComponent(plain)).toBe(plain);
    expect(unescapeEpcUriComponent(plain, "serial")).toEqual({ ok: true, value: plain });
  });

  it("unescape(escape(s)) = s for every Table A-1 string (fast-check)", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...TABLE_A1), maxLength: 40 }), (s) => {
        const r = unescapeEpcUriComponent(escapeEpcUriComponent(s), "serial");
        return r.ok && r.value === s;
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ["a/b", "TALLY_ERR_EPC_URI"],
    ["100%", "TALLY_ERR_EPC_URI"],
    ["%4", "TALLY_ERR_EPC_URI"],
    ["%zz", "TALLY_ERR_EPC_URI"],
    ["a b", "TALLY_ERR_EPC_SERIAL"],
    ["%23", "TALLY_ERR_EPC_SERIAL"],
    ["%7F", "TALLY_ERR_EPC_SERIAL"],
    ["%00", "TALLY_ERR_EPC_SERIAL"],
    ["\u00e9", "TALLY_ERR_EPC_SERIAL"],
    ["\ud800", "TALLY_ERR_EPC_SERIAL"],
  ])("refuses %j with %s", (text, code) => {
    expect(unescapeEpcUriComponent(text, "serial")).toMatchObject({ ok: false, error: { code } });
  });
});
