import { describe, expect, it } from "vitest";
import { FusionWindow, MAX_PENDING_PER_KEY } from "./fusion-window.js";

describe("FusionWindow", () => {
  it("pairs a scan and a shelf change of one key in either order", () => {
    const w = new FusionWindow<string>();
    expect(w.arrive("scan", "k", "s1", 1000, 0)).toEqual([]);
    expect(w.arrive("shelf", "k", "w1", 1000, 500)).toEqual([{ kind: "pair", scan: "s1", shelf: "w1" }]);
    expect(w.arrive("shelf", "k", "w2", 1000, 600)).toEqual([]);
    expect(w.arrive("scan", "k", "s2", 1000, 700)).toEqual([{ kind: "pair", scan: "s2", shelf: "w2" }]);
    expect(w.size).toBe(0);
  });

  it("does not pair across keys, nor two of one side", () => {
    const w = new FusionWindow<string>();
    w.arrive("scan", "a", "s1", 1000, 0);
    w.arrive("scan", "a", "s2", 1000, 0);
    expect(w.arrive("shelf", "b", "w1", 1000, 10)).toEqual([]);
    expect(w.size).toBe(3);
    expect(w.tick(2000)).toEqual([
      { kind: "alone", side: "scan", item: "s1" },
      { kind: "alone", side: "scan", item: "s2" },
      { kind: "alone", side: "shelf", item: "w1" },
    ]);
  });

  it("runs out at exactly the window (half-open), whether the arrival or the tick comes first", () => {
    const first = new FusionWindow<string>();
    first.arrive("scan", "k", "s", 1000, 0);
    expect(first.nextDueMs()).toBe(1000);
    expect(first.arrive("shelf", "k", "w", 1000, 1000)).toEqual([{ kind: "alone", side: "scan", item: "s" }]);
    const second = new FusionWindow<string>();
    second.arrive("scan", "k", "s", 1000, 0);
    expect(second.tick(999)).toEqual([]);
    expect(second.arrive("shelf", "k", "w", 1000, 999)).toEqual([{ kind: "pair", scan: "s", shelf: "w" }]);
  });

  it("a window of 0 decides at once", () => {
    const w = new FusionWindow<string>();
    expect(w.arrive("shelf", "k", "w", 0, 0)).toEqual([{ kind: "alone", side: "shelf", item: "w" }]);
    expect(w.nextDueMs()).toBeUndefined();
  });

  it("caps each key's queue: the oldest is decided at once", () => {
    const w = new FusionWindow<number>();
    const out = Array.from({ length: MAX_PENDING_PER_KEY + 3 }, (_, i) => w.arrive("scan", "k", i, 60_000, i)).flat();
    expect(out).toEqual([0, 1, 2].map((item) => ({ kind: "alone", side: "scan", item })));
    expect(w.size).toBe(MAX_PENDING_PER_KEY);
  });
});
