import type { Condition, TemperatureDevice } from "@tally/protocols";
import { EdgeEvent } from "@tally/protocols";
import { from, lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { TemperatureObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds, coldRoomReading as t } from "../testing/demo-site.js";
import { temperatureConditions } from "./temperature-conditions.js";
import { temperatureRate } from "./temperature-rate.js";

const base = demoSite();
const siteWith = (settings: Partial<TemperatureDevice>) =>
  indexSite({
    ...base,
    devices: base.devices.map((d) => (d.kind === "temperature" ? { ...d, ...settings } : d)),
  });

async function rates(readings: TemperatureObservation[], settings: Partial<TemperatureDevice>): Promise<Condition[]> {
  const out = await lastValueFrom(
    from(readings).pipe(temperatureRate(siteWith(settings), { siteId: "DEMO", newId: sequentialIds() }), toArray()),
  );
  return out as Condition[];
}

/** One reading every 10 s from `startC`, changing `perMin` °C a minute. */
const ramp = (startC: number, perMin: number, fromS: number, toS: number) =>
  Array.from({ length: (toS - fromS) / 10 + 1 }, (_, i) => t(startC + (perMin * (i * 10)) / 60, fromS + i * 10));

describe("temperatureRate", () => {
  it("raises when the sensor warms faster than its limit, before the range's limit is crossed", async () => {
    // 3 → 6 °C at 1.5 °C/min: inside 2–8 °C the whole time.
    const readings = ramp(3, 1.5, 0, 120);
    const settings = { maxRateCPerMin: 1, rateWindowS: 60, graceS: 0 };
    const out = await rates(readings, settings);
    expect(out).toEqual([
      expect.objectContaining({
        conditionType: "TEMPERATURE_RATE",
        state: "raised",
        key: "TEMPERATURE_RATE:temp-c1",
        // The first reading a full window after the first one.
        occurredAt: t(0, 60).at,
        value: 1.5,
        limit: 1,
        unit: "°C/min",
      }),
    ]);
    for (const c of out) expect(EdgeEvent.safeParse(c).success).toBe(true);
    const excursions = await lastValueFrom(
      from(readings).pipe(
        temperatureConditions(siteWith(settings), { siteId: "DEMO", newId: sequentialIds() }),
        toArray(),
      ),
    );
    expect(excursions).toEqual([]);
  });

  it("raises for a fast fall too, once per episode, and clears below 80 % of the limit", async () => {
    const falling = ramp(7, -2, 0, 90); // −2 °C/min to 4 °C
    const steady = [100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200].map((s) => t(4, s));
    const out = await rates([...falling, ...steady], { maxRateCPerMin: 1, rateWindowS: 60 });
    expect(out.map((c) => [c.state, c.value])).toEqual([
      ["raised", -2],
      // At 160 s: 4 °C now against 4.333 at 90 s… the first rate under 0.8 °C/min.
      ["cleared", expect.any(Number)],
    ]);
    expect(Math.abs(out[1]?.value ?? 1)).toBeLessThan(0.8);
  });

  it("does not flap at the limit: a rate between 80 % and 100 % of it neither clears nor raises again", async () => {
    // 1.2 °C/min, then 0.9 °C/min (in the band), then 1.2 again: one raise, no clear.
    const readings = [...ramp(2, 1.2, 0, 60), ...ramp(3.35, 0.9, 70, 200), ...ramp(5.45, 1.2, 210, 300)];
    const out = await rates(readings, { maxRateCPerMin: 1, rateWindowS: 60 });
    expect(out.map((c) => c.state)).toEqual(["raised"]);
  });

  it("takes no rate across a hole in the history, and none for a sensor without a limit", async () => {
    // 3 °C, then nothing for 10 minutes, then 7 °C: a step after a silence, not a slope.
    expect(
      await rates([t(3, 0), t(3, 10), t(7, 610), t(7, 620)], { maxRateCPerMin: 0.1, rateWindowS: 60, gapS: 60 }),
    ).toEqual([]);
    expect(await rates(ramp(3, 5, 0, 120), {})).toEqual([]);
  });

  it("keeps a bounded history for a fast sensor and ignores late readings", async () => {
    const site = siteWith({ maxRateCPerMin: 1, rateWindowS: 10 });
    const fast = Array.from({ length: 20_000 }, (_, i) => ({
      ...t(4 + (i % 2) * 0.01, 0),
      at: new Date(Date.UTC(2026, 10, 22, 8) + i).toISOString(),
    }));
    const late: string[] = [];
    const out = await lastValueFrom(
      from([...fast, t(50, 0)]).pipe(
        temperatureRate(site, { siteId: "DEMO", newId: sequentialIds() }, (id) => late.push(id)),
        toArray(),
      ),
    );
    // 20 s of readings every ms, none out of the 1 °C/min: nothing; the reading from 08:00:00 again is late.
    expect(out).toEqual([]);
    expect(late).toEqual(["temp-c1"]);
  });
});
