import { from, lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { TemperatureObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { temperatureConditions } from "./temperature-conditions.js";

const base = demoSite();
const t = (celsius: number, second: number): TemperatureObservation => ({
  type: "temperature",
  id: `t${second}`,
  deviceId: "temp-c1",
  location: "DEMO/COLD/C1",
  celsius,
  at: new Date(Date.UTC(2026, 10, 22, 8, 0, second)).toISOString(),
});

async function conditions(readings: TemperatureObservation[], graceS = 0) {
  const site = indexSite({
    ...base,
    devices: base.devices.map((d) => (d.kind === "temperature" ? { ...d, graceS } : d)),
  });
  return lastValueFrom(
    from(readings).pipe(temperatureConditions(site, { siteId: "DEMO", newId: sequentialIds() }), toArray()),
  );
}

describe("temperatureConditions (chilled: 2–8 °C)", () => {
  it("raises once when out of range and clears when back", async () => {
    const out = await conditions([t(4, 0), t(11, 2), t(12, 4), t(5, 6), t(5, 8)]);
    expect(out).toEqual([
      expect.objectContaining({
        conditionType: "TEMPERATURE_EXCURSION",
        state: "raised",
        value: 11,
        limit: 8,
        key: "TEMPERATURE_EXCURSION:temp-c1",
      }),
      expect.objectContaining({ state: "cleared", value: 5 }),
    ]);
  });

  it("waits for the grace period before raising", async () => {
    expect(await conditions([t(11, 0), t(11, 2), t(4, 4)], 5)).toEqual([]);
    expect(await conditions([t(11, 0), t(11, 2), t(11, 6)], 5)).toEqual([
      expect.objectContaining({ state: "raised", occurredAt: t(11, 6).at }),
    ]);
  });

  it("raises below the lower limit too", async () => {
    expect(await conditions([t(1, 0)])).toEqual([expect.objectContaining({ state: "raised", limit: 2, value: 1 })]);
  });
});
