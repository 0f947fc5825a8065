import { describe, expect, it } from "vitest";
import { FifoWindow } from "./fifo-window.js";

describe("FifoWindow", () => {
  it("drops from the front while the rule says so, and keeps the rest in order", () => {
    const w = new FifoWindow<number>();
    for (let i = 0; i < 10; i++) w.push(i);
    w.dropWhile((oldest) => oldest < 4);
    expect([...w]).toEqual([4, 5, 6, 7, 8, 9]);
    expect(w.length).toBe(6);
    expect(w.filter((n) => n % 2 === 0)).toEqual([4, 6, 8]);
  });

  it("passes the length before each drop, for a bound by count", () => {
    const w = new FifoWindow<number>();
    for (let i = 0; i < 5_000; i++) {
      w.push(i);
      w.dropWhile((_, length) => length > 1_000);
    }
    expect(w.length).toBe(1_000);
    expect([...w][0]).toBe(4_000);
  });

  it("holds only its window after many more entries went through it than it keeps", () => {
    const w = new FifoWindow<{ seenMs: number }>();
    // 200,000 entries at 2,000 a second, each kept 15 s: at most 30,000 at a time.
    for (let i = 0; i < 200_000; i++) {
      const nowMs = i / 2;
      w.push({ seenMs: nowMs });
      w.dropWhile((oldest) => nowMs - oldest.seenMs > 15_000);
    }
    expect(w.length).toBe(30_001);
    expect([...w][0]?.seenMs).toBe(99_999.5 - 15_000);
  });
});
