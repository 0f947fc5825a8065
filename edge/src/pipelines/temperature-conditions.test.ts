import type { Condition, EdgeEvent, TemperatureDevice } from "@tally/protocols";
import { EdgeEvent as EdgeEventSchema } from "@tally/protocols";
import { from, lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { TemperatureObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds, coldRoomReading as t } from "../testing/demo-site.js";
import { temperatureConditions } from "./temperature-conditions.js";

const base = demoSite();

async function conditions(
  readings: TemperatureObservation[],
  settings: Partial<TemperatureDevice> = {},
  onLate?: (deviceId: string) => void,
): Promise<EdgeEvent[]> {
  const site = indexSite({
    ...base,
    devices: base.devices.map((d) => (d.kind === "temperature" ? { ...d, graceS: 0, ...settings } : d)),
  });
  return lastValueFrom(
    from(readings).pipe(temperatureConditions(site, { siteId: "DEMO", newId: sequentialIds() }, onLate), toArray()),
  );
}

describe("temperatureConditions (chilled: 2–8 °C)", () => {
  it("raises once when out of range and clears when back, with the excursion record", async () => {
    const out = await conditions([t(4, 0), t(11, 2), t(12, 4), t(5, 6), t(5, 8)]);
    expect(out).toEqual([
      expect.objectContaining({
        conditionType: "TEMPERATURE_EXCURSION",
        state: "raised",
        value: 11,
        limit: 8,
        key: "TEMPERATURE_EXCURSION:temp-c1",
        excursion: expect.objectContaining({ startedAt: t(11, 2).at, peak: 11, durationS: 0 }),
      }),
      expect.objectContaining({
        state: "cleared",
        value: 5,
        occurredAt: t(5, 6).at,
        // 3 °C × 2 s + 4 °C × 2 s = 14 °C·s.
        excursion: expect.objectContaining({ endedAt: t(5, 6).at, peak: 12, durationS: 4, degreeMinutes: 0.233 }),
      }),
    ]);
    for (const event of out) expect(EdgeEventSchema.safeParse(event).success).toBe(true);
  });

  it("waits for the grace period before raising; the raise is at the reading where it ran out", async () => {
    expect(await conditions([t(11, 0), t(11, 2), t(4, 4)], { graceS: 5 })).toEqual([]);
    expect(await conditions([t(11, 0), t(11, 2), t(11, 6)], { graceS: 5 })).toEqual([
      expect.objectContaining({
        state: "raised",
        occurredAt: t(11, 6).at,
        excursion: expect.objectContaining({ startedAt: t(11, 0).at, durationS: 6, graceS: 5 }),
      }),
    ]);
  });

  it("does not flap at the limit: one raise, one clear below limit − hysteresis", async () => {
    const hovering = [8.1, 7.9, 8.2, 7.8, 8.1, 7.6, 8.3, 7.7, 8.05].map((c, i) => t(c, i * 10));
    const out = (await conditions([...hovering, t(7.5, 100)], { hysteresisC: 0.5 })) as Condition[];
    expect(out.map((c) => c.state)).toEqual(["raised", "cleared"]);
    expect(out[1]?.excursion).toMatchObject({ startedAt: t(0, 0).at, endedAt: t(0, 100).at, hysteresisC: 0.5 });
    // Without hysteresis the same readings raise and clear again and again.
    const flapping = (await conditions([...hovering, t(7.5, 100)], { hysteresisC: 0 })) as Condition[];
    expect(flapping.filter((c) => c.state === "raised")).toHaveLength(5);
  });

  it("raises below the lower limit too", async () => {
    expect(await conditions([t(1, 0)])).toEqual([
      expect.objectContaining({
        state: "raised",
        limit: 2,
        value: 1,
        excursion: expect.objectContaining({ side: "below" }),
      }),
    ]);
  });

  it("counts a reading older than the sensor's latest and leaves it out", async () => {
    const late: string[] = [];
    const out = await conditions([t(5, 10), t(20, 5), t(5, 20)], {}, (id) => late.push(id));
    expect(out).toEqual([]);
    expect(late).toEqual(["temp-c1"]);
  });
});
