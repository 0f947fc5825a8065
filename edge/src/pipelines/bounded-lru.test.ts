import { describe, expect, it } from "vitest";
import { BoundedLru } from "./bounded-lru.js";

describe("BoundedLru", () => {
  it("forgets the least recently set key past its bound", () => {
    const lru = new BoundedLru<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    lru.set("a", 3);
    lru.set("c", 4);
    expect(lru.get("b")).toBeUndefined();
    expect(lru.get("a")).toBe(3);
    expect(lru.get("c")).toBe(4);
    expect(lru.size).toBe(2);
  });
});
