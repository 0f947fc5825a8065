import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("allows a burst, then the rate", () => {
    const bucket = new TokenBucket(10, 5);
    let taken = 0;
    for (let i = 0; i < 20; i++) if (bucket.take(0)) taken++;
    expect(taken).toBe(5);
    expect(bucket.waitMs(0)).toBe(100);
    expect(bucket.take(99)).toBe(false);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
  });

  it("holds a flood to the rate over a long run", () => {
    const bucket = new TokenBucket(2000, 500);
    let taken = 0;
    // Someone trying 10,000 messages a second for 10 s of virtual time, 1 ms apart.
    for (let ms = 0; ms < 10_000; ms++) for (let i = 0; i < 10; i++) if (bucket.take(ms)) taken++;
    expect(taken).toBeGreaterThanOrEqual(2000 * 10);
    expect(taken).toBeLessThanOrEqual(2000 * 10 + 500);
  });

  it("saves up no more than the burst while idle", () => {
    const bucket = new TokenBucket(100, 3);
    for (let i = 0; i < 3; i++) bucket.take(0);
    let taken = 0;
    for (let i = 0; i < 10; i++) if (bucket.take(60_000)) taken++;
    expect(taken).toBe(3);
  });

  it("ignores a clock that goes backwards", () => {
    const bucket = new TokenBucket(1, 1);
    expect(bucket.take(10_000)).toBe(true);
    expect(bucket.take(5_000)).toBe(false);
    expect(bucket.take(10_999)).toBe(false);
    expect(bucket.take(11_000)).toBe(true);
  });

  it("refuses a bucket that could never give a token", () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0)).toThrow(RangeError);
  });
});
