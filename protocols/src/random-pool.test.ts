import { describe, expect, it } from "vitest";
import { randomIdBytes, timeOrderedIdParts } from "./random-pool.js";

describe("randomIdBytes", () => {
  it("gives 16 fresh bytes per call, distinct across more than one pool's worth", () => {
    const seen = new Set<string>();
    let first: Uint8Array | undefined;
    for (let i = 0; i < 10_000; i++) {
      const bytes = randomIdBytes();
      expect(bytes).toHaveLength(16);
      first ??= bytes;
      seen.add(Buffer.from(bytes).toString("hex"));
    }
    expect(seen.size).toBe(10_000);
    // A copy: what a caller holds does not change when the pool is refilled.
    const kept = Buffer.from(first ?? []).toString("hex");
    expect(seen.has(kept)).toBe(true);
    expect(Buffer.from(first ?? []).toString("hex")).toBe(kept);
  });

  it("spreads its bytes over every value (not a counter or a constant)", () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4_000; i++) for (const b of randomIdBytes()) counts[b] = (counts[b] ?? 0) + 1;
    // 64,000 bytes: each value about 250 times; a broken source leaves values at 0 or piles them up.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(370);
  });
});

describe("timeOrderedIdParts", () => {
  it("counts up within a millisecond and starts again at a random value in the next", () => {
    const a = timeOrderedIdParts(1_000);
    const b = timeOrderedIdParts(1_000);
    const c = timeOrderedIdParts(1_001);
    expect([a.msecs, b.msecs, c.msecs]).toEqual([1_000, 1_000, 1_001]);
    expect(b.seq).toBe((a.seq + 1) | 0);
    expect(c.seq).not.toBe((b.seq + 1) | 0);
    expect(b.random).not.toEqual(a.random);
  });

  it("keeps the order of creation when the clock goes back", () => {
    const a = timeOrderedIdParts(5_000);
    const b = timeOrderedIdParts(4_000);
    expect(b.msecs).toBe(5_000);
    expect(b.seq).toBe((a.seq + 1) | 0);
  });
});
