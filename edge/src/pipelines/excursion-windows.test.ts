import { EdgeEvent, type Telemetry, type TemperatureDevice } from "@tally/protocols";
import { from, lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { TemperatureObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds, coldRoomReading as t } from "../testing/demo-site.js";
import { excursionWindows, MAX_WINDOW_READINGS } from "./excursion-windows.js";

const base = demoSite();

async function windows(readings: TemperatureObservation[], settings: Partial<TemperatureDevice>): Promise<Telemetry[]> {
  const site = indexSite({
    ...base,
    devices: base.devices.map((d) => (d.kind === "temperature" ? { ...d, ...settings } : d)),
  });
  const out = await lastValueFrom(
    from(readings).pipe(excursionWindows(site, { siteId: "DEMO", newId: sequentialIds() }), toArray()),
  );
  return out as Telemetry[];
}

/** One reading every 10 s: `celsius(second)`. */
const every10s = (fromS: number, toS: number, celsius: (s: number) => number) =>
  Array.from({ length: (toS - fromS) / 10 + 1 }, (_, i) => t(celsius(fromS + i * 10), fromS + i * 10));
const seconds = (out: Telemetry[]) => out.map((e) => (Date.parse(e.occurredAt) - Date.parse(t(0, 0).at)) / 1000);

describe("excursionWindows", () => {
  it("sends the window before an excursion, every reading during it and the window after, flagged", async () => {
    // Out of range from 200 s to 240 s (back at 250 s); window 60 s.
    const readings = every10s(0, 500, (s) => (s >= 200 && s <= 240 ? 10 : 5));
    const out = await windows(readings, { excursionWindowS: 60, graceS: 600 });
    expect(seconds(out)).toEqual([
      140, 150, 160, 170, 180, 190, 200, 210, 220, 230, 240, 250, 260, 270, 280, 290, 300, 310,
    ]);
    expect(out[0]).toMatchObject({
      kind: "telemetry",
      metric: "temperature",
      value: 5,
      unit: "°C",
      deviceId: "temp-c1",
      excursionWindow: true,
    });
    expect(out.every((e) => e.summary === undefined && e.excursionWindow === true)).toBe(true);
    for (const e of out) expect(EdgeEvent.safeParse(e).success).toBe(true);
  });

  it("sends a spike shorter than the grace period too (the chart shows it), and nothing without an excursion", async () => {
    const spike = every10s(0, 200, (s) => (s === 100 ? 12 : 5));
    expect(seconds(await windows(spike, { excursionWindowS: 20, graceS: 300 }))).toEqual([80, 90, 100, 110, 120, 130]);
    expect(
      await windows(
        every10s(0, 200, () => 5),
        { excursionWindowS: 20 },
      ),
    ).toEqual([]);
  });

  it("never sends a reading twice when two excursions' windows overlap", async () => {
    // Out at 100 s and at 150 s; windows of 60 s overlap from 90 s to 210 s.
    const readings = every10s(0, 400, (s) => (s === 100 || s === 150 ? 11 : 5));
    const out = await windows(readings, { excursionWindowS: 60 });
    const sent = seconds(out);
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent).toEqual(Array.from({ length: 19 }, (_, i) => 40 + i * 10));
  });

  it("keeps the window open through the hysteresis band until the reading is back inside by it", async () => {
    // 9 °C at 100 s, 7.8 °C (band: limit 8, hysteresis 0.5) at 110–130 s, 7 °C at 140 s.
    const celsius = (s: number) => (s === 100 ? 9 : s >= 110 && s <= 130 ? 7.8 : s === 140 ? 7 : 5);
    const out = await windows(every10s(0, 300, celsius), { excursionWindowS: 0, hysteresisC: 0.5 });
    expect(seconds(out)).toEqual([100, 110, 120, 130, 140]);
  });

  it("bounds what it keeps before an excursion by time and by count", async () => {
    const fast = Array.from({ length: MAX_WINDOW_READINGS + 500 }, (_, i) => ({
      ...t(5, 0),
      at: new Date(Date.parse(t(0, 0).at) + i * 10).toISOString(),
    }));
    const excursionAt = Date.parse(fast.at(-1)?.at ?? "") + 10;
    const out = await windows([...fast, { ...t(12, 0), at: new Date(excursionAt).toISOString() }], {
      excursionWindowS: 3600,
    });
    // Every reading lies within the window's time, so the count bounds it: the newest MAX_WINDOW_READINGS and the excursion's.
    expect(out).toHaveLength(MAX_WINDOW_READINGS + 1);
    expect(out[0]?.occurredAt).toBe(fast[500]?.at);
  });
});
