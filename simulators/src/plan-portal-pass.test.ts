import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseScenarioFileText, type SiteLayout } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { compileScenario } from "./compile/index.js";
import { deliveredAt, READ_WINDOW_MS } from "./plan-portal-pass.js";
import { type PlannedAction, type PlannedRead, planScenario } from "./plan-scenario.js";
import { loadSiteLayout } from "./site-file.js";

// The hard-dock site: doors 1|2 and 3|4 are neighbours, door 2 sends no heartbeats, door 4 has one antenna (1).
const site: SiteLayout = loadSiteLayout(
  readFileSync(fileURLToPath(new URL("../scenarios/hard-dock-site.yaml", import.meta.url)), "utf8"),
);

/** Compiles and plans a scenario file's text (hardware and faults) against the hard-dock site. */
function plan(text: string) {
  const file = parseScenarioFileText(`name: t\nsite: hard-dock-site.yaml\nseed: 5\nduration: 5m\n${text}`);
  if (!file.ok) throw new Error(file.error.reason);
  const scenario = compileScenario(file.value, site);
  return { scenario, plan: planScenario(scenario, site) };
}

type Read = PlannedRead & { deviceId: string; sentAt: number };
const readsOf = (actions: readonly PlannedAction[]): Read[] =>
  actions.flatMap((a) =>
    a.kind === "read" ? a.reads.map((r) => ({ ...r, deviceId: a.deviceId, sentAt: a.atMs })) : [],
  );
const byTag = (reads: readonly Read[]): Map<string, Read[]> => {
  const m = new Map<string, Read[]>();
  for (const r of reads) m.set(r.epc, [...(m.get(r.epc) ?? []), r]);
  return m;
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("lingering tags", () => {
  const lingering = (position: string, extra = "") =>
    plan(
      `faults:\n  - { kind: parked-tags, at: 10s, duration: 120s, device: portal-in1, sku: BOLT, count: 20, position: ${position}, readEvery: 2s, missProbability: 0.3, rssiDbm: -62, rssiJitterDb: 4${extra} }`,
    );

  it("outside: the outer antenna only, about every 2 s with about 30 % lost, flat around the RSSI level; nothing moves", () => {
    const { plan: p } = lingering("outside");
    expect(p.movements).toEqual([]);
    const reads = readsOf(p.actions);
    expect(new Set(reads.map((r) => r.antenna))).toEqual(new Set([1]));
    expect(new Set(reads.map((r) => r.deviceId))).toEqual(new Set(["portal-in1"]));
    for (const r of reads) {
      expect(r.rssi).toBeGreaterThanOrEqual(-66);
      expect(r.rssi).toBeLessThanOrEqual(-58);
      expect(r.atMs).toBeGreaterThanOrEqual(10_000);
      expect(r.atMs).toBeLessThan(130_000);
    }
    // 20 tags × 60 periods of 2 s (±25 %), 70 % of them read.
    expect(reads.length).toBeGreaterThan(20 * 60 * 0.6);
    expect(reads.length).toBeLessThan(20 * 60 * 0.8);
    for (const tagReads of byTag(reads).values()) {
      const times = tagReads.map((r) => r.atMs).sort((a, b) => a - b);
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
      // Never closer than a period's shortest (1.5 s); gaps of several periods where reads were lost.
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1500);
      expect(Math.max(...gaps)).toBeGreaterThan(2500);
    }
  });

  it("inside: the inner antenna only", () => {
    const reads = readsOf(lingering("inside").plan.actions);
    expect(new Set(reads.map((r) => r.antenna))).toEqual(new Set([2]));
  });

  it("doorway: both antennas at a similar strength, in no consistent order", () => {
    const reads = readsOf(lingering("doorway").plan.actions);
    const outer = reads.filter((r) => r.antenna === 1);
    const inner = reads.filter((r) => r.antenna === 2);
    expect(outer.length / reads.length).toBeGreaterThan(0.4);
    expect(inner.length / reads.length).toBeGreaterThan(0.4);
    expect(Math.abs(mean(outer.map((r) => r.rssi)) - mean(inner.map((r) => r.rssi)))).toBeLessThan(1);
    // Each tag goes outer → inner and inner → outer many times over.
    for (const tagReads of byTag(reads).values()) {
      const sequence = tagReads.sort((a, b) => a.atMs - b.atMs).map((r) => r.antenna);
      const turns = sequence.slice(1).filter((a, i) => a !== sequence[i]).length;
      expect(turns).toBeGreaterThanOrEqual(4);
    }
  });

  it("staged then carried in: one ordinary pass in antenna order at the end, one movement at its crossing", () => {
    const { plan: p, scenario } = lingering("outside", ", leaves: true");
    const tags = scenario.faults?.[0]?.epcs ?? [];
    expect(scenario.faults?.[0]).toMatchObject({ kind: "parked-tags", crosses: true });
    expect(p.movements).toHaveLength(20);
    for (const m of p.movements) {
      expect(tags).toContain(m.epc);
      // The leaving pass starts at 130 s and lasts 2 s: the tag crosses between the antennas at 131 s.
      expect(m).toMatchObject({ movementType: "RECEIPT", to: "HD/DOCK/IN1", atMs: 130_000 });
      expect(m.crossing).toEqual({ atMs: 131_000, passMs: 2000 });
    }
    const leaving = readsOf(p.actions).filter((r) => r.atMs >= 130_000);
    for (const tagReads of byTag(leaving).values()) {
      const outer = tagReads.filter((r) => r.antenna === 1).map((r) => r.atMs);
      const inner = tagReads.filter((r) => r.antenna === 2).map((r) => r.atMs);
      expect(Math.max(...outer)).toBeLessThanOrEqual(131_000);
      expect(Math.min(...inner)).toBeGreaterThanOrEqual(131_000);
      // Strong: within 2 m of an antenna, far above the lingering level.
      for (const r of tagReads) expect(r.rssi).toBeGreaterThanOrEqual(-58);
    }
  });

  it("the hardware profile's parked settings apply to every parked tag unless the fault says otherwise", () => {
    const { plan: p } =
      plan(`hardware: { portals: { parked: { position: inside, readEvery: 4s, rssiDbm: -70, rssiJitterDb: 0 } } }
faults:
  - { kind: parked-tags, at: 0s, duration: 40s, device: portal-in1, sku: BOLT, count: 1 }
  - { kind: parked-tags, at: 0s, duration: 40s, device: portal-in3, sku: BOLT, count: 1, position: outside }`);
    const reads = readsOf(p.actions);
    expect(new Set(reads.filter((r) => r.deviceId === "portal-in1").map((r) => r.antenna))).toEqual(new Set([2]));
    expect(new Set(reads.filter((r) => r.deviceId === "portal-in3").map((r) => r.antenna))).toEqual(new Set([1]));
    expect(new Set(reads.map((r) => r.rssi))).toEqual(new Set([-70]));
    expect(reads.length).toBeLessThanOrEqual(2 * 14);
  });
});

describe("staging lanes", () => {
  it("pallets come and go outside a door, read weakly by the outer antenna for their dwell; nothing moves", () => {
    const { plan: p, scenario } = plan(`faults:
  - { kind: staging-lane, at: 0s, duration: 4m, device: portal-in3, skus: [DRILL, SAW], pallets: 6, itemsPerPallet: { min: 10, max: 20 }, dwell: { min: 20s, max: 60s } }`);
    expect(p.movements).toEqual([]);
    const parkedSteps = scenario.steps.filter((s) => s.kind === "portal-pass" && s.parked === true);
    expect(parkedSteps).toHaveLength(6);
    for (const s of parkedSteps) {
      if (s.kind !== "portal-pass") continue;
      expect(s.passMs).toBeGreaterThanOrEqual(20_000);
      expect(s.passMs).toBeLessThanOrEqual(60_000);
      expect(s.at + (s.passMs ?? 0)).toBeLessThanOrEqual(240_000);
      expect(s.epcs.length).toBeGreaterThanOrEqual(10);
      expect(s.epcs.length).toBeLessThanOrEqual(20);
    }
    // Pallets arrive at different times: the lane is not one block.
    expect(new Set(parkedSteps.map((s) => s.at)).size).toBe(6);
    const fault = scenario.faults?.[0];
    expect(fault?.epcs).toHaveLength(
      parkedSteps.reduce((n, s) => n + (s.kind === "portal-pass" ? s.epcs.length : 0), 0),
    );
    const reads = readsOf(p.actions);
    expect(new Set(reads.map((r) => r.antenna))).toEqual(new Set([1]));
    // 4 m from the outer antenna on the default profile: −72 dBm ± 3.
    for (const r of reads) {
      expect(r.rssi).toBeGreaterThanOrEqual(-75);
      expect(r.rssi).toBeLessThanOrEqual(-69);
    }
  });
});

describe("aborted passes", () => {
  it("brought up to an inbound door and taken away: outer antenna only, RSSI rising then falling; nothing moves", () => {
    const { plan: p, scenario } = plan(
      "faults:\n  - { kind: aborted-pass, at: 10s, device: portal-in1, sku: SAW, count: 30, approach: 4s }",
    );
    expect(p.movements).toEqual([]);
    expect(scenario.faults?.[0]).toMatchObject({ kind: "aborted-pass", atMs: 10_000, endMs: 14_000 });
    expect(scenario.faults?.[0]?.crosses).toBeUndefined();
    const reads = readsOf(p.actions);
    expect(new Set(reads.map((r) => r.antenna))).toEqual(new Set([1]));
    const middle = reads.filter((r) => r.atMs >= 11_000 && r.atMs < 13_000).map((r) => r.rssi);
    const ends = reads.filter((r) => r.atMs < 10_700 || r.atMs >= 13_300).map((r) => r.rssi);
    // Strong when closest (0.5 m: about −44 dBm), weak at the ends of the approach.
    expect(Math.max(...middle)).toBeGreaterThanOrEqual(-46);
    expect(mean(middle) - mean(ends)).toBeGreaterThan(8);
    expect(Math.min(...reads.map((r) => r.atMs))).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...reads.map((r) => r.atMs))).toBeLessThan(14_000);
  });

  it("brought close, taken away, and later really carried through: one movement at the later crossing", () => {
    const { plan: p, scenario } = plan(
      "faults:\n  - { kind: aborted-pass, at: 10s, device: portal-in2, sku: BOLT, count: 4, crossesAfter: 30s }",
    );
    expect(scenario.faults?.[0]).toMatchObject({ crosses: true });
    expect(p.movements).toHaveLength(4);
    for (const m of p.movements) expect(m.crossing).toEqual({ atMs: 41_000, passMs: 2000 });
    // The approach (default two pass lengths) on the outer antenna only; then outer, then inner.
    const reads = readsOf(p.actions);
    expect(new Set(reads.filter((r) => r.atMs < 14_000).map((r) => r.antenna))).toEqual(new Set([1]));
    expect(new Set(reads.filter((r) => r.atMs >= 40_000).map((r) => r.antenna))).toEqual(new Set([1, 2]));
  });

  it("is refused at a one-antenna door, which cannot tell it from a crossing", () => {
    expect(() => plan("faults:\n  - { kind: aborted-pass, at: 10s, device: portal-in4, sku: BOLT, count: 4 }")).toThrow(
      /one side only/,
    );
  });
});

describe("a one-antenna door", () => {
  it("reads a crossing tag on its one antenna, strongest as it passes the door", () => {
    const { plan: p } = plan(`steps:
  - { kind: portal-pass, at: 10s, device: portal-in4, tags: [{ sku: BOLT, count: 40 }] }`);
    expect(p.movements).toHaveLength(40);
    const reads = readsOf(p.actions);
    expect(new Set(reads.map((r) => r.antenna))).toEqual(new Set([1]));
    const middle = reads.filter((r) => Math.abs(r.atMs - 11_000) < 300).map((r) => r.rssi);
    const ends = reads.filter((r) => Math.abs(r.atMs - 11_000) > 700).map((r) => r.rssi);
    expect(mean(middle) - mean(ends)).toBeGreaterThan(6);
  });
});

describe("stray reads at the neighbouring door, in bursts", () => {
  it("come as 2–6 reads on both of the neighbour's antennas, in the tag's order, 3–8 dB weaker than the door's", () => {
    const { plan: p } = plan(`hardware:
  portals:
    strayProbability: 1
    strayBurst: { reads: { min: 2, max: 6 }, weakerDb: { min: 3, max: 8 } }
    neighbours: { portal-in1: portal-in2 }
steps:
  - { kind: portal-pass, at: 10s, device: portal-in1, tags: [{ sku: BOLT, count: 50 }] }`);
    // Strays are no movement: the truth is the 50 tags at door 1.
    expect(p.movements).toHaveLength(50);
    expect(new Set(p.movements.map((m) => m.deviceId))).toEqual(new Set(["portal-in1"]));
    const reads = readsOf(p.actions);
    const strays = byTag(reads.filter((r) => r.deviceId === "portal-in2"));
    expect(strays.size).toBe(50);
    let bothAntennas = 0;
    for (const burst of strays.values()) {
      expect(burst.length).toBeGreaterThanOrEqual(2);
      expect(burst.length).toBeLessThanOrEqual(6);
      // Around the crossing (the middle half of the pass), outer before inner like the tag itself.
      for (const r of burst) {
        expect(r.atMs).toBeGreaterThanOrEqual(10_500);
        expect(r.atMs).toBeLessThan(11_500);
        expect(r.antenna).toBe(r.atMs < 11_000 ? 1 : 2);
        // The door reads the tag at −40…−56 dBm (± 2): 3–8 dB weaker is −43…−64.
        expect(r.rssi).toBeLessThanOrEqual(-43);
        expect(r.rssi).toBeGreaterThanOrEqual(-64);
      }
      if (new Set(burst.map((r) => r.antenna)).size === 2) bothAntennas++;
    }
    expect(bothAntennas).toBeGreaterThan(25);
    const own = reads.filter((r) => r.deviceId === "portal-in1").map((r) => r.rssi);
    const stray = reads.filter((r) => r.deviceId === "portal-in2").map((r) => r.rssi);
    expect(mean(own) - mean(stray)).toBeGreaterThan(3);
    expect(mean(own) - mean(stray)).toBeLessThan(10);
  });
});

describe("reader quirks", () => {
  const pass = `steps:
  - { kind: portal-pass, at: 20s, device: portal-in2, tags: [{ sku: BOLT, count: 10 }] }
  - { kind: portal-pass, at: 62s, device: portal-in3, tags: [{ sku: NUT, count: 10 }] }`;
  const base = plan(pass).plan;

  it("a clock offset shifts every timestamp the reader sends (+4 s, −3 s); when it sends and the truth stay at real time", () => {
    const off =
      plan(`hardware: { portals: { readers: { portal-in2: { heartbeats: false, clockOffset: +4s }, portal-in3: { clockOffset: -3s } } } }
${pass}`).plan;
    const before = readsOf(base.actions);
    const after = readsOf(off.actions);
    expect(after).toHaveLength(before.length);
    after.forEach((r, i) => {
      const b = before[i];
      expect(r.epc).toBe(b?.epc);
      expect(r.sentAt).toBe(b?.sentAt);
      expect(r.atMs - (b?.atMs ?? 0)).toBe(r.deviceId === "portal-in2" ? 4000 : -3000);
    });
    // A reader 4 s ahead stamps reads it sends now with a time 4 s from now.
    expect(after.filter((r) => r.deviceId === "portal-in2").every((r) => r.atMs > r.sentAt)).toBe(true);
    expect(off.movements.map((m) => m.crossing)).toEqual(base.movements.map((m) => m.crossing));
  });

  it("late bursts: reads the reader holds go out together at the end of the hold, their timestamps unchanged", () => {
    const late = plan(`hardware: { portals: { readers: { portal-in3: { lateBursts: { every: 30s, hold: 5s } } } } }
${pass}`).plan;
    // Door 3's pass (62–64 s) falls in the hold from 60 to 65 s: all of it goes out at 65 s.
    const held = late.actions.filter((a) => a.kind === "read" && a.deviceId === "portal-in3");
    expect(new Set(held.map((a) => a.atMs))).toEqual(new Set([65_000]));
    const timesOf = (actions: readonly PlannedAction[]) =>
      readsOf(actions)
        .filter((r) => r.deviceId === "portal-in3")
        .map((r) => r.atMs);
    expect(timesOf(late.actions)).toEqual(timesOf(base.actions));
    // Door 2 has no late bursts: its messages go out as each read window ends.
    const door2 = late.actions.filter((a) => a.kind === "read" && a.deviceId === "portal-in2").map((a) => a.atMs);
    expect(Math.min(...door2)).toBeLessThanOrEqual(20_000 + READ_WINDOW_MS);
    // The plan stays in time order.
    const times = late.actions.map((a) => a.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(deliveredAt(12_000, { heartbeats: true, clockOffset: 0, lateBursts: { every: 10_000, hold: 3000 } })).toBe(
      13_000,
    );
    expect(deliveredAt(14_000, { heartbeats: true, clockOffset: 0, lateBursts: { every: 10_000, hold: 3000 } })).toBe(
      14_000,
    );
  });

  it("a reader without heartbeats must be declared so in the site file", () => {
    expect(() => plan(`hardware: { portals: { readers: { portal-in1: { heartbeats: false } } } }\n${pass}`)).toThrow(
      /heartbeat: false/,
    );
    expect(() =>
      plan(`hardware: { portals: { readers: { portal-in2: { heartbeats: false } } } }\n${pass}`),
    ).not.toThrow();
  });
});
