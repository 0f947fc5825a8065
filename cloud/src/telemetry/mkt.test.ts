import { describe, expect, it } from "vitest";
import { meanKineticTemperatureC } from "./mkt.js";
import { addZoneMinutes, utcDays, zoneDayMkt } from "./mkt-days.js";
import { lotMkt } from "./mkt-lot.js";
import { lotSegments, lotStays } from "./mkt-lot-stays.js";
import type { WindowReading } from "./telemetry-store.js";

const even = (...temps: number[]) => temps.map((tempC) => ({ tempC, weight: 1 }));

describe("meanKineticTemperatureC", () => {
  // Expected values computed by hand from USP ⟨1079⟩'s formula (ΔH 83.144 kJ/mol, R 8.3144598, T + 273.15).
  it("matches hand-computed values", () => {
    expect(meanKineticTemperatureC(even(2, 8))).toBeCloseTo(5.536420604428372, 9);
    expect(meanKineticTemperatureC(even(5, 5, 5, 25))).toBeCloseTo(15.132180223184491, 9);
    expect(meanKineticTemperatureC(even(-20, -18, -25))).toBeCloseTo(-20.40930729551539, 9);
    expect(meanKineticTemperatureC([...even(...Array(10).fill(25)), ...even(40, 40)])).toBeCloseTo(
      29.598053097904312,
      9,
    );
    expect(meanKineticTemperatureC(even(20, 30), 60)).toBeCloseTo(25.907469996135433, 9);
  });

  it("is the temperature itself when it never changes, and above the arithmetic mean when it does", () => {
    expect(meanKineticTemperatureC(even(4, 4, 4))).toBeCloseTo(4, 9);
    const mkt = meanKineticTemperatureC(even(0, 10)) ?? Number.NaN;
    expect(mkt).toBeGreaterThan(5);
    expect(mkt).toBeLessThan(10);
  });

  it("weights samples by duration: 3 minutes at 5 °C count as three 1-minute readings", () => {
    expect(
      meanKineticTemperatureC([
        { tempC: 5, weight: 3 },
        { tempC: 25, weight: 1 },
      ]),
    ).toBeCloseTo(meanKineticTemperatureC(even(5, 5, 5, 25)) ?? Number.NaN, 9);
  });

  it("has no value without samples, and skips impossible ones", () => {
    expect(meanKineticTemperatureC([])).toBeUndefined();
    expect(
      meanKineticTemperatureC([
        { tempC: -300, weight: 1 },
        { tempC: 5, weight: 0 },
      ]),
    ).toBeUndefined();
    expect(meanKineticTemperatureC([{ tempC: Number.NaN, weight: 1 }, ...even(6)])).toBeCloseTo(6, 9);
  });
});

describe("utcDays", () => {
  it("lists the UTC days of a range, both ends included", () => {
    const days = utcDays("2026-02-27", "2026-03-01");
    expect(days.ok && days.value.map((d) => new Date(d).toISOString().slice(0, 10))).toEqual([
      "2026-02-27",
      "2026-02-28",
      "2026-03-01",
    ]);
  });

  it("refuses dates that are not, reversed ranges and more than 366 days", () => {
    for (const [from, to, reason] of [
      ["2026-02-30", "2026-03-01", /not a date/],
      ["yesterday", "2026-03-01", /not a date/],
      ["2026-03-02", "2026-03-01", /before/],
      ["2025-01-01", "2026-01-02", /at most 366 days/],
    ] as const) {
      const r = utcDays(from, to);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.reason).toMatch(reason);
    }
    expect(utcDays("2024-01-01", "2024-12-31").ok).toBe(true);
  });
});

const DAY = Date.parse("2026-12-01T00:00:00Z");
const bucket = (deviceId: string, atMs: number, mean: number, unit = "°C"): WindowReading => ({
  siteId: "S1",
  deviceId,
  metric: "temperature",
  unit,
  start: new Date(atMs).toISOString(),
  min: mean,
  mean,
  max: mean,
  count: 1,
});

describe("zoneDayMkt", () => {
  it("gives each minute the same weight, its sensors sharing it, and reports coverage", () => {
    const minutes = addZoneMinutes(new Map(), [
      bucket("a", DAY, 2),
      bucket("b", DAY, 8),
      bucket("a", DAY + 60_000, 5),
      bucket("f", DAY + 60_000, 41, "°F"),
      bucket("a", DAY + 86_400_000, 30),
    ]);
    const day = zoneDayMkt(minutes, DAY, 83.144);
    // Minute 1 is (2, 8) at half weight each, minute 2 is 5: the same as 2, 8, 5, 5 at equal weight.
    expect(day?.mktC).toBeCloseTo(meanKineticTemperatureC(even(2, 8, 5, 5)) ?? Number.NaN, 9);
    expect(day).toMatchObject({ day: "2026-12-01", minutes: 2, coverage: 2 / 1440 });
    expect(zoneDayMkt(minutes, DAY - 86_400_000, 83.144)).toBeUndefined();
  });
});

describe("lot stays and MKT", () => {
  const T = Date.parse("2026-12-01T10:00:00Z");
  const entry = (minute: number, location: string, delta: number) => ({
    movementId: `m${minute}${location}`,
    occurredAt: new Date(T + minute * 60_000).toISOString(),
    movementType: "TRANSFER" as const,
    location,
    lot: "L1",
    delta,
    balance: 0,
  });
  // 10 units into COLD at 0; 4 of them to DOCK at 10; those 4 back at 20; all out at 30.
  const entries = [
    entry(0, "S1/COLD/01", 10),
    entry(10, "S1/COLD/01", -4),
    entry(10, "S1/DOCK/D1", 4),
    entry(20, "S1/DOCK/D1", -4),
    entry(20, "S1/COLD/01", 4),
    entry(30, "S1/COLD/01", -10),
  ];

  it("splits the lot's time by location and unit count, and joins stays", () => {
    const segments = lotSegments(entries, T, T + 3_600_000);
    expect(segments.map((s) => [s.location, (s.fromMs - T) / 60_000, (s.toMs - T) / 60_000, s.units])).toEqual([
      ["S1/COLD/01", 0, 10, 10],
      ["S1/COLD/01", 10, 20, 6],
      ["S1/DOCK/D1", 10, 20, 4],
      ["S1/COLD/01", 20, 30, 10],
    ]);
    expect(lotStays(segments)).toEqual([
      { location: "S1/COLD/01", from: new Date(T).toISOString(), to: new Date(T + 30 * 60_000).toISOString() },
      {
        location: "S1/DOCK/D1",
        from: new Date(T + 10 * 60_000).toISOString(),
        to: new Date(T + 20 * 60_000).toISOString(),
      },
    ]);
    // Clipped to a range, a stay still open at its end runs to the end.
    expect(lotSegments(entries.slice(0, 1), T + 5 * 60_000, T + 8 * 60_000)).toEqual([
      { location: "S1/COLD/01", fromMs: T + 5 * 60_000, toMs: T + 8 * 60_000, units: 10 },
    ]);
  });

  it("weights each zone's minutes by the units in it", () => {
    const cold = new Map<number, number[]>();
    const dock = new Map<number, number[]>();
    for (let m = 0; m < 30; m++) cold.set(T + m * 60_000, [4]);
    for (let m = 0; m < 30; m++) dock.set(T + m * 60_000, [20]);
    const segments = lotSegments(entries, T, T + 30 * 60_000);
    const result = lotMkt(segments, (l) => (l.includes("/COLD/") ? cold : dock), 83.144);
    // 260 unit-minutes at 4 °C (10×10 + 6×10 + 10×10) and 40 at 20 °C (4×10).
    expect(result.mktC).toBeCloseTo(
      meanKineticTemperatureC([
        { tempC: 4, weight: 260 },
        { tempC: 20, weight: 40 },
      ]) ?? Number.NaN,
      9,
    );
    expect(result).toMatchObject({ unitMinutes: 300, coverage: 1 });
    // The dock without a sensor: its unit-minutes are uncovered, the rest is 4 °C.
    const partial = lotMkt(segments, (l) => (l.includes("/COLD/") ? cold : undefined), 83.144);
    expect(partial.mktC).toBeCloseTo(4, 9);
    expect(partial.coverage).toBeCloseTo(260 / 300, 9);
  });
});
