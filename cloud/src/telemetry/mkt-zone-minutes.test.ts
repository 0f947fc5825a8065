import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteTelemetryStore } from "../adapters/sqlite-telemetry-store.js";
import { MAX_TELEMETRY_POINTS } from "./check-telemetry-query.js";
import { readZoneMinutes } from "./mkt-zone-minutes.js";
import type { TelemetryPoint } from "./telemetry-store.js";

const DAY = Date.parse("2026-11-22T00:00:00.000Z");

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function storeWith(points: TelemetryPoint[]): Promise<SqliteTelemetryStore> {
  const dir = await mkdtemp(join(tmpdir(), "tally-mkt-minutes-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const store = new SqliteTelemetryStore(join(dir, "telemetry.db"));
  cleanups.push(() => store.close());
  await store.write(points);
  return store;
}

describe("readZoneMinutes", () => {
  it("reads a day with more sensor-minutes than one answer holds sensor by sensor, never from a truncated answer", async () => {
    const sensors = 8;
    expect(sensors * 1440).toBeGreaterThan(MAX_TELEMETRY_POINTS);
    const points: TelemetryPoint[] = [];
    for (let s = 0; s < sensors; s++) {
      for (let m = 0; m < 1440; m++) {
        points.push({
          id: `s${s}-m${m}`,
          siteId: "S1",
          deviceId: `t${s}`,
          metric: "temperature",
          unit: "°C",
          location: "S1/COLD/01",
          at: new Date(DAY + m * 60_000 + 5_000).toISOString(),
          value: s,
        });
      }
    }
    // Another zone and another metric in the same minutes must not count.
    points.push({ ...points[0], id: "dry", deviceId: "t-dry", location: "S1/DRY/01", value: 99 } as TelemetryPoint);
    points.push({
      ...points[0],
      id: "hum",
      deviceId: "h1",
      metric: "humidity",
      unit: "%",
      value: 50,
    } as TelemetryPoint);
    const store = await storeWith(points);
    const minutes = await readZoneMinutes(store, { siteId: "S1", zone: "COLD", fromMs: DAY, toMs: DAY + 86_400_000 });
    expect(minutes.size).toBe(1440);
    for (const temps of minutes.values()) expect([...temps].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
