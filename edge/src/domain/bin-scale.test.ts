import { describe, expect, it } from "vitest";
import { type BinOutcome, BinScale, type BinScaleSettings, MAX_MOVEMENT_UNITS } from "./bin-scale.js";

const HOUR = 3_600_000;
const WIDGET: BinScaleSettings = {
  unitWeightG: 250,
  toleranceG: 20,
  tareG: 0,
  capacityG: undefined,
  settleMs: 300,
  graceMs: 600_000,
  stuckAfterMs: 0,
  risesMove: false,
};

/** Feeds each reading at its time and ticks the scale when it asks; every outcome, in order. */
function weigh(scale: BinScale, readings: [atMs: number, grams: number][]): BinOutcome[] {
  const out: BinOutcome[] = [];
  readings.forEach(([atMs, grams], i) => {
    out.push(...scale.reading(grams, `w${i}`, new Date(atMs).toISOString(), atMs));
    const due = scale.nextDueMs();
    const next = readings[i + 1]?.[0] ?? Number.POSITIVE_INFINITY;
    if (due !== undefined && due < next) out.push(...scale.tick(due));
  });
  return out;
}

const kinds = (out: BinOutcome[]) => out.map((o) => (o.kind === "moved" ? `moved ${o.units}` : o.kind));

describe("BinScale zero drift", () => {
  it("takes slow drift into the zero, so a pick after hours of it still reads as whole units", () => {
    // +5 g every 30 min for 5 h (within the 20 g/h allowance), then one unit off the drifted weight.
    const drift = Array.from({ length: 10 }, (_, k): [number, number] => [(k + 1) * 0.5 * HOUR, 2500 + 5 * (k + 1)]);
    const scale = new BinScale(WIDGET);
    const out = weigh(scale, [[0, 2500], ...drift, [6 * HOUR, 2550 - 250]]);
    expect(kinds(out)).toEqual(["moved -1"]);
    expect(scale.driftG).toBe(50);
    expect(scale.shelfUnits).toBe(9);
  });

  it("does not take in the same change when it comes fast: it is not drift, but a change to look at", () => {
    // The same 50 g, in steps of 5 g a second: each time it leaves the band, 25 g that are not whole units.
    const fast = Array.from({ length: 10 }, (_, k): [number, number] => [(k + 1) * 1000, 2500 + 5 * (k + 1)]);
    const scale = new BinScale(WIDGET);
    const out = weigh(scale, [[0, 2500], ...fast, [20_000, 2550 - 250]]);
    expect(out[0]).toMatchObject({ kind: "not-whole", units: 0 });
    expect(kinds(out)).toEqual(["not-whole", "not-whole", "moved -1"]);
    expect(scale.driftG).toBeLessThan(1);
  });

  it("never takes in more than half a unit: a unit scraped off slowly becomes tasks, not a silent loss", () => {
    // −10 g every 30 min for 20 h: 400 g, more than a unit, each step within the drift allowance.
    const creep = Array.from({ length: 40 }, (_, k): [number, number] => [(k + 1) * 0.5 * HOUR, 2500 - 10 * (k + 1)]);
    const scale = new BinScale(WIDGET);
    const out = weigh(scale, [[0, 2500], ...creep]);
    expect(scale.driftG).toBe(-125);
    expect(out.some((o) => o.kind === "moved")).toBe(false);
    const firstTask = out.findIndex((o) => o.kind === "not-whole");
    // The first task comes well before a whole unit (250 g) has gone.
    const first = out[firstTask];
    expect(first?.kind === "not-whole" && first.deltaG < -20 && first.deltaG > -60).toBe(true);
    expect(firstTask).toBeGreaterThanOrEqual(0);
    expect(out.filter((o) => o.kind === "not-whole").length).toBeGreaterThan(5);
  });

  it("counts the drift allowance in the shelf's own hours: a day played in a minute drifts as the day would", () => {
    // Readings 30 min apart by their own clock, 5 s apart by the edge's (a scenario at max speed).
    const scale = new BinScale(WIDGET);
    const out: BinOutcome[] = [];
    for (let k = 0; k <= 10; k++) {
      const nowMs = k * 5000;
      out.push(...scale.reading(2500 + 5 * k, `w${k}`, new Date(k * 0.5 * HOUR).toISOString(), nowMs));
      out.push(...scale.tick(nowMs + 300));
    }
    expect(out).toEqual([]);
    expect(scale.driftG).toBe(50);
  });

  it("follows drift on a shelf that reports only on change: a day of hourly picks at 1 g/h stays whole", () => {
    // 30 g units ± 4 g (a washer): by hour 10 the cell reads 10 g heavy, more than twice the tolerance.
    const washer: BinScaleSettings = { ...WIDGET, unitWeightG: 30, toleranceG: 4 };
    const picks = Array.from({ length: 10 }, (_, k): [number, number] => [
      (k + 1) * HOUR,
      1200 - 30 * (k + 1) + (k + 1),
    ]);
    const scale = new BinScale(washer);
    expect(kinds(weigh(scale, [[0, 1200], ...picks]))).toEqual(Array(10).fill("moved -1"));
    expect(scale.driftG).toBe(10);
    expect(scale.shelfUnits).toBe(30);
  });

  it("takes in what picks leave over no further than half a unit: hourly picks of a unit and 19 g end in tasks", () => {
    const picks = Array.from({ length: 10 }, (_, k): [number, number] => [(k + 1) * HOUR, 5000 - 269 * (k + 1)]);
    const scale = new BinScale(WIDGET);
    const out = kinds(weigh(scale, [[0, 5000], ...picks]));
    expect(out.slice(0, 7)).toEqual(Array(7).fill("moved -1"));
    expect(out).toContain("not-whole");
    expect(Math.abs(scale.driftG)).toBeLessThanOrEqual(125);
  });

  it("gains no drift allowance from a shelf clock that goes back", () => {
    const scale = new BinScale(WIDGET);
    const at = (h: number) => new Date(Date.UTC(2026, 10, 22) + h * HOUR).toISOString();
    scale.reading(2500, "w0", at(10), 0);
    scale.tick(300);
    // Back to hour 0, then forward to hour 5: from hour 10 nothing has elapsed yet.
    scale.reading(2510, "w1", at(0), 1000);
    scale.reading(2510, "w2", at(5), 2000);
    expect(scale.driftG).toBe(0);
  });

  it("reads one unit taken at a time, hours apart, as picks: a unit is never drift", () => {
    const takes = Array.from({ length: 5 }, (_, k): [number, number] => [(k + 1) * 4 * HOUR, 2500 - 250 * (k + 1)]);
    const scale = new BinScale(WIDGET);
    expect(kinds(weigh(scale, [[0, 2500], ...takes]))).toEqual(Array(5).fill("moved -1"));
    expect(scale.driftG).toBe(0);
    expect(scale.shelfUnits).toBe(5);
  });
});

describe("BinScale limits", () => {
  it("does not read a change of more units than a movement may carry as a movement", () => {
    const scale = new BinScale({ ...WIDGET, unitWeightG: 0.001, toleranceG: 0.0001 });
    const out = weigh(scale, [
      [0, 0],
      [1000, 10_000],
    ]);
    expect(out).toEqual([expect.objectContaining({ kind: "not-whole", units: 10_000_000 })]);
    expect(10_000_000).toBeGreaterThan(MAX_MOVEMENT_UNITS);
    expect(scale.shelfUnits).toBeUndefined();
  });

  it("leaves out a non-finite reading: the run, the reference and the zero stay as they were", () => {
    const scale = new BinScale(WIDGET);
    const out = weigh(scale, [
      [0, 2500],
      [1000, Number.NaN],
      [2000, Number.POSITIVE_INFINITY],
      [3000, 2250],
    ]);
    expect(kinds(out)).toEqual(["moved -1"]);
    expect(scale.driftG).toBe(0);
    expect(scale.shelfUnits).toBe(9);
  });

  it("reports a mismatch at once with a grace of 0, and only once", () => {
    const scale = new BinScale({ ...WIDGET, graceMs: 0 });
    scale.expect(12, 0);
    const out = weigh(scale, [
      [0, 2500],
      [1000, 2500],
    ]);
    expect(out).toEqual([expect.objectContaining({ kind: "mismatch", shelfUnits: 10, expectedUnits: 12 })]);
    expect(scale.expect(12, 2000)).toEqual([]);
  });
});
