import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";

describe("backoffDelay", () => {
  const options = { baseMs: 100, capMs: 10_000 };

  it("doubles the ceiling each attempt up to the cap, with the jitter drawn below it", () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, options, top))).toEqual([
      99, 199, 399, 799, 1599, 3199, 6399, 9999,
    ]);
    expect(backoffDelay(1_000, options, top)).toBe(9999);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(200);
  });

  it("stays finite and under the cap whatever the attempt count or random", () => {
    for (const n of [0, 1, 52, 1_000_000, Number.MAX_SAFE_INTEGER]) {
      for (const r of [-1, 0, 0.3, 1, 2]) {
        const d = backoffDelay(n, DEFAULT_BACKOFF, () => r);
        expect(Number.isFinite(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(DEFAULT_BACKOFF.capMs);
      }
    }
  });
});
