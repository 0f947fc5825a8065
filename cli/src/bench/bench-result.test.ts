import { describe, expect, it } from "vitest";
import { throughput, withBaseline } from "./bench-result.js";
import { BENCHMARKS } from "./registry.js";

describe("benchmark plumbing", () => {
  it("computes the ratio to the baseline", () => {
    expect(withBaseline({ name: "x", unit: "ops/s", value: 500.4 }, 1000)).toEqual({
      name: "x",
      unit: "ops/s",
      value: 500,
      baseline: 1000,
      ratio: 0.5,
    });
  });

  it("measures a rate over the items it is given", () => {
    let calls = 0;
    const rate = throughput([1, 2, 3], () => calls++, 5);
    expect(calls).toBeGreaterThan(3);
    expect(rate).toBeGreaterThan(0);
  });

  it("names each benchmark once", () => {
    const names = BENCHMARKS.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("epc-decode");
  });
});
