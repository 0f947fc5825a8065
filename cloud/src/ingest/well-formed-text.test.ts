import { describe, expect, it } from "vitest";
import { withWellFormedText } from "./well-formed-text.js";

describe("withWellFormedText", () => {
  it("replaces lone surrogates, high or low, anywhere in the value, and keeps pairs", () => {
    const value = { a: "x\ud800y", b: ["\udc00", { c: "📦 \ud83d\udce6" }], n: 1, t: true, z: null };
    expect(withWellFormedText(value)).toEqual({ a: "x\ufffdy", b: ["\ufffd", { c: "📦 📦" }], n: 1, t: true, z: null });
    expect(withWellFormedText(["\ud83d", "\ude00\ud83d"])).toEqual(["\ufffd", "\ufffd\ufffd"]);
  });

  it("returns the value itself when it has none, and leaves a backslash-u written out as it is", () => {
    const value = { a: "plain", c: "é 😀" };
    expect(withWellFormedText(value)).toBe(value);
    const written = { b: "a written \\ud800 is six characters" };
    expect(withWellFormedText(written)).toEqual(written);
  });

  it("cleans the other elements of a list when one is nested too deep to serialise, and keeps that one", () => {
    // Found by the fuzz suite: a 5,000-level array among a batch's events threw RangeError out of ingest.
    for (const depth of [3_000, 50_000]) {
      const deep: unknown = JSON.parse(`${"[".repeat(depth)}"\ud800"${"]".repeat(depth)}`);
      const cleaned = withWellFormedText([{ a: "x\ud800" }, deep, "\udc00"]);
      expect(cleaned[0]).toEqual({ a: "x\ufffd" });
      expect(cleaned[1]).toBe(deep);
      expect(cleaned[2]).toBe("\ufffd");
    }
  });
});
