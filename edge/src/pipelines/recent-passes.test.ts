import { describe, expect, it } from "vitest";
import { tagPass } from "../testing/tag-pass.js";
import type { TagPass } from "./detect-passes.js";
import { RecentPasses, strengthOf } from "./recent-passes.js";

const pass = (epc: string, portalId = "d1"): TagPass =>
  tagPass({ portalId, epc, observationIds: ["r1", "r2", "r3"], receivedFromMs: 5, receivedToMs: 9 });

const strength = (p: TagPass) => strengthOf(p, 1_000, 3_000);

describe("RecentPasses", () => {
  it("keeps what a rival is weighed against, not the pass's evidence", () => {
    const kept = strength(pass("E1"));
    expect(kept).toEqual({
      portalId: "d1",
      verdict: "crossing",
      evidence: "crossing",
      directionFrom: "antennas",
      maxRssi: -50,
      reads: 10,
      lastAt: "2026-11-22T08:00:02.000Z",
      crossingAt: undefined,
      firstMs: 1_000,
      lastMs: 3_000,
      receivedFromMs: 5,
      receivedToMs: 9,
    });
    expect(kept).not.toHaveProperty("observationIds");
  });

  it("answers a tag's passes until keepMs after they were let through", () => {
    const recent = new RecentPasses(45_000, 100);
    recent.add("E1", strength(pass("E1", "d1")), 0);
    recent.add("E1", strength(pass("E1", "d2")), 10_000);
    expect(recent.of("E1", 44_999).map((k) => k.strength.portalId)).toEqual(["d1", "d2"]);
    expect(recent.of("E1", 45_000).map((k) => k.strength.portalId)).toEqual(["d2"]);
    expect(recent.of("E2", 45_000)).toEqual([]);
  });

  it("is back to nothing once the tags that passed are older than keepMs", () => {
    const recent = new RecentPasses(45_000, 1_000_000);
    // 50,000 tags over 25 s (2,000 passes/s, as 50-read batches bring them).
    for (let i = 0; i < 50_000; i++) recent.add(`E${i}`, strength(pass(`E${i}`)), Math.floor(i / 2));
    expect(recent.size).toBe(50_000);
    recent.expire(24_999 + 45_000);
    expect(recent.size).toBe(0);
    expect(recent.of("E49999", 24_999 + 45_000)).toEqual([]);
  });

  it("keeps at most maxPasses, the oldest forgotten first, whatever the rate", () => {
    const recent = new RecentPasses(45_000, 1_000);
    // 5,000 tags in one millisecond: time alone would keep them all.
    for (let i = 0; i < 5_000; i++) recent.add(`E${i}`, strength(pass(`E${i}`)), 0);
    expect(recent.size).toBe(1_000);
    expect(recent.of("E3999", 0)).toEqual([]);
    expect(recent.of("E4000", 0)).toHaveLength(1);
    expect(recent.of("E4999", 0)).toHaveLength(1);
  });

  it("drops a tag's oldest pass first when one tag passes again and again", () => {
    const recent = new RecentPasses(45_000, 3);
    for (let t = 0; t < 5; t++) recent.add("E1", strength(pass("E1", `d${t}`)), t);
    expect(recent.of("E1", 5).map((k) => k.strength.portalId)).toEqual(["d2", "d3", "d4"]);
  });
});
