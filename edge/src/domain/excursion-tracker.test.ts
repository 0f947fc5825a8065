import { describe, expect, it } from "vitest";
import { type ExcursionSettings, type ExcursionStep, ExcursionTracker } from "./excursion-tracker.js";

const CHILLED = { minC: 2, maxC: 8 };
const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

/** Feeds [second, °C] pairs to one tracker and returns each step. */
function run(series: [number, number][], settings: Partial<ExcursionSettings> = {}): ExcursionStep[] {
  const tracker = new ExcursionTracker({ graceS: 60, hysteresisC: 0.5, gapS: 60, ...settings });
  return series.map(([s, c]) => tracker.step(T0 + s * 1000, c, CHILLED));
}

describe("ExcursionTracker", () => {
  it("computes the record of a known series exactly: peak, degree-minutes (sample and hold), duration", () => {
    // Out at 0 s (9 °C), 10 °C at 30 s, 12 °C at 60 s (grace of 60 s runs out), 9 °C at 90 s, back to 7 °C at 120 s.
    const steps = run([
      [-30, 5],
      [0, 9],
      [30, 10],
      [60, 12],
      [90, 9],
      [120, 7],
    ]);
    expect(steps[1]).toMatchObject({ started: true, open: true });
    expect(steps[1]?.raised).toBeUndefined();
    // ∫ so far: 1 °C × 30 s + 2 °C × 30 s = 1.5 °C·min.
    expect(steps[3]?.raised).toEqual({
      startedAt: iso(0),
      side: "above",
      limit: 8,
      peak: 12,
      durationS: 60,
      degreeMinutes: 1.5,
      unknownS: 0,
      graceS: 60,
      hysteresisC: 0.5,
    });
    expect(steps[4]?.raised).toBeUndefined();
    // + 4 °C × 30 s + 1 °C × 30 s = 2.5 more.
    expect(steps[5]?.ended).toEqual({
      raised: true,
      record: {
        startedAt: iso(0),
        endedAt: iso(120),
        side: "above",
        limit: 8,
        peak: 12,
        durationS: 120,
        degreeMinutes: 4,
        unknownS: 0,
        graceS: 60,
        hysteresisC: 0.5,
      },
    });
    expect(steps[5]?.open).toBe(false);
  });

  it("keeps the excursion open in the hysteresis band, adding nothing, and clears only below limit − hysteresis", () => {
    // Hovering at the max of 8 °C: 8.2, 7.8 (band), 8.1, 7.6 (band), 8.3 … never ≤ 7.5 until the end.
    const steps = run(
      [
        [0, 8.2],
        [10, 7.8],
        [20, 8.1],
        [30, 7.6],
        [40, 8.3],
        [50, 7.5],
        [60, 8.4],
      ],
      { graceS: 30 },
    );
    expect(steps.filter((s) => s.started)).toHaveLength(2);
    expect(steps.map((s) => s.open)).toEqual([true, true, true, true, true, false, true]);
    // Raised at the first reading out of range once 30 s have passed since the start (40 s; 30 s was in the band).
    expect(steps[3]?.raised).toBeUndefined();
    expect(steps[4]?.raised).toMatchObject({ durationS: 40, peak: 8.3 });
    // 0.2 × 10 s + 0 + 0.1 × 10 s + 0 + 0.3 × 10 s = 6 °C·s = 0.1 °C·min; the band readings add nothing.
    expect(steps[5]?.ended?.record).toMatchObject({ degreeMinutes: 0.1, durationS: 50, endedAt: iso(50) });
    expect(steps[5]?.ended?.raised).toBe(true);
  });

  it("raises nothing for a spike shorter than the grace period, but reports its start and end", () => {
    const steps = run([
      [0, 5],
      [10, 11],
      [20, 12],
      [30, 5],
    ]);
    expect(steps.some((s) => s.raised !== undefined)).toBe(false);
    expect(steps[1]?.started).toBe(true);
    expect(steps[3]?.ended).toMatchObject({ raised: false, record: { peak: 12, durationS: 20 } });
  });

  it("counts a gap longer than gapS as unknown, not integrated, and keeps one excursion across it", () => {
    // 9 °C at 0 s, then nothing for 10 minutes (longer than the grace too), then 9 °C: one excursion,
    // raised at the reading after the gap; the gap is unknown time, only the 30 s before the end integrate.
    const steps = run([
      [0, 9],
      [600, 9],
      [630, 7],
    ]);
    expect(steps[1]).toMatchObject({ started: false, open: true });
    expect(steps[1]?.raised).toMatchObject({ startedAt: iso(0), durationS: 600, unknownS: 600, degreeMinutes: 0 });
    expect(steps[2]?.ended?.record).toMatchObject({ durationS: 630, unknownS: 600, degreeMinutes: 0.5 });
  });

  it("tracks the lower limit with its own side and peak", () => {
    const steps = run(
      [
        [0, 1],
        [60, -1],
        [120, 2.4],
        [180, 2.5],
      ],
      { graceS: 0 },
    );
    expect(steps[0]?.raised).toMatchObject({ side: "below", limit: 2, peak: 1, durationS: 0, degreeMinutes: 0 });
    expect(steps[2]?.open).toBe(true);
    // 1 °C × 1 min + 3 °C × 1 min + 0 (2.4 is in the band) = 4.
    expect(steps[3]?.ended?.record).toMatchObject({ side: "below", peak: -1, degreeMinutes: 4, durationS: 180 });
  });

  it("ends an excursion above and begins one below at the same reading", () => {
    const steps = run(
      [
        [0, 9],
        [10, 1],
      ],
      { graceS: 0 },
    );
    expect(steps[1]).toMatchObject({ started: true, open: true, ended: { raised: true, record: { side: "above" } } });
    expect(steps[1]?.raised).toMatchObject({ side: "below", startedAt: iso(10) });
  });

  it("ignores a reading older than the latest one, and takes repeated times as no time", () => {
    const steps = run(
      [
        [0, 9],
        [60, 9],
        [30, 50],
        [60, 20],
        [90, 7],
      ],
      { graceS: 0 },
    );
    expect(steps[2]?.late).toBe(true);
    // 1 × 60 s + 1 × 0 s + 12 × 30 s = 420 °C·s = 7 °C·min; the late 50 °C never counts as the peak.
    expect(steps[4]?.ended?.record).toMatchObject({ peak: 20, degreeMinutes: 7 });
  });

  it("stays finite and bounded at the sensor's extremes", () => {
    const steps = run(
      [
        [0, 150],
        [1, -100],
        [86_400, 150],
      ],
      { graceS: 0 },
    );
    for (const s of steps) {
      for (const r of [s.raised, s.ended?.record]) {
        if (r === undefined) continue;
        expect(Number.isFinite(r.degreeMinutes) && Number.isFinite(r.durationS)).toBe(true);
      }
    }
    expect(steps[1]?.ended?.record).toMatchObject({ peak: 150, degreeMinutes: 2.367 });
  });
});
