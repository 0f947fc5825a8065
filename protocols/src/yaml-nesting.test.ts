import { describe, expect, it } from "vitest";
import { MAX_YAML_NESTING, yamlNestingDepth } from "./yaml-nesting.js";

describe("yamlNestingDepth", () => {
  it.each([
    ["x", 0],
    ["a: 1\nb: 2", 1],
    ["- a\n- b", 1],
    ["a:\n  b:\n    - c", 3],
    ["- - - x", 3],
    ['{"a": [1, {"b": []}]}', 3],
    ["? [a, [b]]\n: c", 3],
    ["---\na: 1\n---\n- [x]", 2],
  ])("%j nests %i deep", (text, depth) => {
    expect(yamlNestingDepth(text)).toBe(depth);
  });

  it("counts block, compact and flow nesting of any depth without recursion", () => {
    expect(yamlNestingDepth(`${"- ".repeat(100_000)}x`)).toBe(100_000);
    expect(yamlNestingDepth(`${"{a: ".repeat(50_000)}1${"}".repeat(50_000)}`)).toBe(50_000);
    const pyramid = Array.from({ length: 2_000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n");
    expect(yamlNestingDepth(pyramid)).toBe(2_000);
  });

  it("stops counting once past the limit", () => {
    expect(yamlNestingDepth(`${"- ".repeat(100_000)}x`, MAX_YAML_NESTING)).toBe(MAX_YAML_NESTING + 1);
  });
});
