import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expandUpcE, upcECheckDigit } from "./expand-upc-e.js";

describe("expandUpcE (UPC-E zero suppression)", () => {
  it.each([
    // The textbook example: UPC-E 04252614 is UPC-A 042100005264.
    ["04252614", "042100005264"],
    // One example per rule of the last data digit: 0–2, 3, 4, 5–9.
    ["01234505", "012000003455"],
    ["01234531", "012300000451"],
    ["01234543", "012340000053"],
    ["01234558", "012345000058"],
    ["11234593", "112345000093"],
  ])("expands %s to %s", (upcE, upcA) => {
    expect(expandUpcE(upcE)).toBe(upcA);
    expect(upcECheckDigit(upcE)).toBe(Number(upcE.charAt(7)));
  });

  it("computes the check digit of the UPC-A it stands for", () => {
    expect(upcECheckDigit("04252614")).toBe(4);
  });

  it.each(["", "0425261", "042526144", "24252614", "0425261x", "０4252614"])("refuses %j", (input) => {
    expect(expandUpcE(input)).toBeUndefined();
    expect(upcECheckDigit(input)).toBeUndefined();
  });

  it("always gives 12 digits with the number system and check digit kept (fast-check)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[01]\d{7}$/), (upcE) => {
        const upcA = expandUpcE(upcE) ?? "";
        expect(upcA).toMatch(/^\d{12}$/);
        expect(upcA.charAt(0)).toBe(upcE.charAt(0));
        expect(upcA.charAt(11)).toBe(upcE.charAt(7));
      }),
    );
  });
});
