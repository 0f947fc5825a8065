import { describe, expect, it } from "vitest";
import { TwoGenerationCache } from "./two-generation-cache.js";

describe("TwoGenerationCache", () => {
  it("makes each key's value once while it is held", () => {
    const cache = new TwoGenerationCache<string, string>(100);
    let made = 0;
    const make = (k: string) => {
      made++;
      return k.toLowerCase();
    };
    expect(cache.get("E1", make)).toBe("e1");
    expect(cache.get("E1", make)).toBe("e1");
    expect(made).toBe(1);
  });

  it("holds at most two generations, however many distinct keys pass", () => {
    const cache = new TwoGenerationCache<number, number>(1_000);
    for (let i = 0; i < 50_000; i++) cache.get(i, (k) => k * 2);
    expect(cache.size).toBeLessThanOrEqual(2_000);
    let made = 0;
    // The last generation's keys are still held; the first ones were let go.
    expect(cache.get(49_999, () => made++)).toBe(99_998);
    expect(made).toBe(0);
    cache.get(0, () => made++);
    expect(made).toBe(1);
  });

  it("carries a key used again into the newer generation, so it outlives its own", () => {
    const cache = new TwoGenerationCache<number, number>(10);
    let made = 0;
    const make = (k: number) => {
      made++;
      return k;
    };
    cache.get(-1, make);
    for (let i = 0; i < 100; i++) {
      cache.get(i, make);
      if (i % 5 === 0) cache.get(-1, make);
    }
    expect(made).toBe(101);
  });
});
