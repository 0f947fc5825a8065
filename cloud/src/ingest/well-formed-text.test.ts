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
});
