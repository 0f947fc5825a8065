import { from, lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { TemperatureObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { coldRoomReading, demoSite, sequentialIds } from "../testing/demo-site.js";
import { stuckSensors } from "./stuck-sensors.js";

const base = demoSite();
const t = coldRoomReading;

async function conditions(readings: TemperatureObservation[], stuckAfterS = 60) {
  const site = indexSite({
    ...base,
    devices: base.devices.map((d) => (d.kind === "temperature" ? { ...d, stuckAfterS } : d)),
  });
  return lastValueFrom(from(readings).pipe(stuckSensors(site, { siteId: "DEMO", newId: sequentialIds() }), toArray()));
}

/** One reading every `stepS` seconds from `fromS`, all `celsius`. */
const flat = (celsius: number, fromS: number, count: number, stepS = 15) =>
  Array.from({ length: count }, (_, i) => t(celsius, fromS + i * stepS));

describe("stuckSensors", () => {
  it("raises once when one value repeats for the limit, and clears at the first different reading", async () => {
    const out = await conditions([t(4.1, 0), ...flat(4.3, 10, 8), t(4.2, 200)]);
    expect(out.map((c) => (c.kind === "condition" ? [c.conditionType, c.state, c.occurredAt] : c.kind))).toEqual([
      ["SENSOR_STUCK", "raised", t(0, 70).at],
      ["SENSOR_STUCK", "cleared", t(0, 200).at],
    ]);
    expect(out[0]).toMatchObject({ key: "SENSOR_STUCK:temp-c1", location: "DEMO/COLD/C1", value: 4.3, unit: "°C" });
  });

  it("leaves a noisy sensor alone, however long it runs", async () => {
    const noisy = Array.from({ length: 100 }, (_, i) => t(4 + (i % 3) * 0.1, i * 15));
    expect(await conditions(noisy)).toEqual([]);
  });

  it("needs at least five identical readings, even when few span the limit", async () => {
    expect(await conditions([t(5, 0), t(5, 100), t(5, 200), t(5, 300)])).toEqual([]);
    expect(await conditions([t(5, 0), t(5, 100), t(5, 200), t(5, 300), t(5, 400)])).toHaveLength(1);
  });

  it("does nothing when the check is off (stuckAfterS 0)", async () => {
    expect(await conditions(flat(4, 0, 50), 0)).toEqual([]);
  });
});
