import { describe, expect, it } from "vitest";
import { BurstReads } from "./burst-reads.js";
import type { BurstRead } from "./crossing-evidence.js";

const read = (i: number, rssi: number, receivedAtMs?: number): BurstRead => ({
  atMs: 1_796_424_052_000 + i * 0.5,
  at: `2026-12-04T22:40:52.${String(i).padStart(3, "0")}Z`,
  rssi,
  side: i % 2 === 0 ? 1 : -1,
  id: `portal-d1/${i}`,
  receivedAtMs,
});

describe("BurstReads", () => {
  it("gives back the reads it was given, in order, with an unknown receive time left unknown", () => {
    const reads = new BurstReads();
    const given = [read(0, -60, 1_796_424_052_100), read(1, -55.5), read(2, -70, 1_796_424_052_101.25)];
    for (const r of given) reads.push(r.atMs, r.side, r);
    expect(reads.length).toBe(3);
    expect(reads.toReads()).toEqual(given);
    expect(reads.maxRssi()).toBe(-55.5);
  });

  it("drops its oldest read and says how strong it was", () => {
    const reads = new BurstReads();
    for (const r of [read(0, -40), read(1, -50), read(2, -45)]) reads.push(r.atMs, r.side, r);
    expect(reads.dropOldest()).toBe(-40);
    expect(reads.toReads().map((r) => r.id)).toEqual(["portal-d1/1", "portal-d1/2"]);
    expect(reads.maxRssi()).toBe(-45);
  });

  it("has nothing to drop and no strength when empty", () => {
    const reads = new BurstReads();
    expect(reads.dropOldest()).toBe(Number.NEGATIVE_INFINITY);
    expect(reads.maxRssi()).toBe(Number.NEGATIVE_INFINITY);
    expect(reads.toReads()).toEqual([]);
  });
});
