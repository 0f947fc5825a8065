import { describe, expect, it } from "vitest";
import {
  type BurstRead,
  DEFAULT_EVIDENCE_RULES,
  type EvidenceRules,
  oneAntennaEvidence,
  orderScore,
  twoSidedEvidence,
} from "./crossing-evidence.js";

const rules: EvidenceRules = { ...DEFAULT_EVIDENCE_RULES, minReads: 2 };
let n = 0;
const read = (side: 1 | -1 | 0, atMs: number, rssi = -50): BurstRead => ({
  atMs,
  at: new Date(atMs).toISOString(),
  rssi,
  side,
  id: `r${n++}`,
});

describe("orderScore", () => {
  it("is +1 when every outer read precedes every inner one, −1 the reverse, 0 interleaved or one-sided", () => {
    expect(orderScore([read(1, 0), read(1, 10), read(-1, 20), read(-1, 30)])).toBe(1);
    expect(orderScore([read(-1, 0), read(1, 20)])).toBe(-1);
    expect(orderScore([read(1, 0), read(-1, 10), read(1, 20), read(-1, 30)])).toBe(0.5);
    expect(orderScore([read(1, 0), read(1, 10)])).toBe(0);
  });
});

describe("twoSidedEvidence", () => {
  it("crossing: two reads a side in order, dated between the sides' mean times", () => {
    const e = twoSidedEvidence([read(1, 1000), read(1, 1200), read(-1, 2000), read(-1, 2200)], rules);
    expect(e).toEqual({ kind: "crossing", direction: "inbound", crossingAtMs: 1600 });
  });

  it("outbound when the inner side came first", () => {
    const e = twoSidedEvidence([read(-1, 0), read(-1, 100), read(1, 900), read(1, 1000)], rules);
    expect(e.direction).toBe("outbound");
  });

  it("weak-crossing with a single read on a side", () => {
    expect(twoSidedEvidence([read(1, 0), read(1, 100), read(-1, 900)], rules).kind).toBe("weak-crossing");
  });

  it("one-sided, unordered, or none", () => {
    expect(twoSidedEvidence([read(1, 0), read(1, 900)], rules).kind).toBe("one-sided");
    expect(twoSidedEvidence([read(1, 0), read(-1, 100), read(1, 200), read(-1, 300)], rules).kind).toBe("unordered");
    // In order but too close together to tell.
    expect(twoSidedEvidence([read(1, 0), read(1, 10), read(-1, 40), read(-1, 50)], rules).kind).toBe("unordered");
    expect(twoSidedEvidence([read(1, 0)], rules).kind).toBe("none");
  });
});

describe("oneAntennaEvidence", () => {
  it("a strength that rises and falls by the margin is the tag passing, in the door's direction, at its peak", () => {
    const e = oneAntennaEvidence([read(0, 0, -70), read(0, 400, -45), read(0, 800, -66)], rules, 10, "outbound");
    expect(e).toEqual({ kind: "signal", direction: "outbound", crossingAtMs: 400 });
  });

  it("a flat strength, or one that only rises or only falls, is not", () => {
    expect(oneAntennaEvidence([read(0, 0, -60), read(0, 400, -57), read(0, 800, -62)], rules, 10, "inbound").kind).toBe(
      "one-sided",
    );
    expect(oneAntennaEvidence([read(0, 0, -70), read(0, 400, -45)], rules, 10, "inbound").kind).toBe("one-sided");
    expect(oneAntennaEvidence([read(0, 0)], rules, 10, "inbound").kind).toBe("none");
  });
});
