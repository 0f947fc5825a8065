import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prefixRange } from "./prefix-range.js";

/** What the SQL filter keeps of a code (`low <= code < high AND (code = low OR code >= below)`), in byte order. */
function kept(code: string, prefix: string): boolean {
  const { low, high, below } = prefixRange(prefix);
  const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
  return cmp(code, low) >= 0 && cmp(code, high) < 0 && (code === low || cmp(code, below) >= 0);
}

/** The meaning: the prefix itself, or a code below it. */
function covered(code: string, prefix: string): boolean {
  return code === prefix || code.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`);
}

describe("prefixRange", () => {
  it("bounds a zone's codes by the next byte after '/'", () => {
    expect(prefixRange("S1/A")).toEqual({ low: "S1/A", high: "S1/A0", below: "S1/A/" });
    expect(prefixRange("S1/")).toEqual({ low: "S1/", high: "S10", below: "S1/" });
  });

  it("keeps the prefix and the codes below it, not its look-alikes", () => {
    for (const code of ["S1/A", "S1/A/01", "S1/A/"]) expect(kept(code, "S1/A")).toBe(true);
    // Sort inside [S1/A, S1/A0) or next to it, yet are other zones.
    for (const code of ["S1/A-2/01", "S1/A.B", "S1/AB/01", "S1/A0/01", "S1/", "S1", "S2/A/01", ""]) {
      expect(kept(code, "S1/A")).toBe(false);
    }
    expect(kept("S1/A/01", "S1/")).toBe(true);
    expect(kept("S10/A/01", "S1/")).toBe(false);
  });

  it("agrees with prefix matching for any codes, hostile characters included", () => {
    const segment = fc.string({
      unit: fc.constantFrom("A", "/", "-", ".", "0", "%", "_", "\\", "é", "\u{10FFFF}", "\u0000"),
      maxLength: 6,
    });
    fc.assert(
      fc.property(segment, segment, (prefix, rest) => {
        for (const code of [prefix, `${prefix}${rest}`, `${prefix}/${rest}`, rest]) {
          expect(kept(code, prefix)).toBe(covered(code, prefix));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
