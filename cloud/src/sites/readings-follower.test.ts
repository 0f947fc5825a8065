import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteTelemetryStore } from "../adapters/sqlite-telemetry-store.js";
import type { TelemetryPoint } from "../telemetry/telemetry-store.js";
import { DeviceReadings } from "./device-readings.js";
import { ReadingsFollower } from "./readings-follower.js";

const NOW = Date.parse("2026-12-03T12:00:00.000Z");
const MINUTE = 60_000;

let n = 0;
const point = (atMs: number, value: number): TelemetryPoint => {
  n += 1;
  return {
    id: `p${n}`,
    siteId: "S1",
    deviceId: "t1",
    metric: "temperature",
    unit: "Cel",
    location: "S1/COLD/01",
    at: new Date(atMs).toISOString(),
    value,
  };
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function store(): Promise<SqliteTelemetryStore> {
  const dir = await mkdtemp(join(tmpdir(), "tally-follower-"));
  const telemetry = new SqliteTelemetryStore(join(dir, "telemetry.db"));
  cleanups.push(async () => {
    await telemetry.close();
    await rm(dir, { recursive: true, force: true });
  });
  return telemetry;
}

describe("ReadingsFollower", () => {
  it("reads the telemetry store incrementally: a point read twice once, a late one within the overlap too", async () => {
    const telemetry = await store();
    const readings = new DeviceReadings();
    const follower = new ReadingsFollower(telemetry, readings, { now: () => NOW, overlapMs: 10 * MINUTE });
    await telemetry.write([point(NOW - 20 * MINUTE, 4), point(NOW - 10 * MINUTE, 5)]);
    await follower.catchUp();
    // Forwarded late, behind the latest point but within the overlap; and one too old for it.
    await telemetry.write([point(NOW - 15 * MINUTE, 9), point(NOW - 5 * MINUTE, 6), point(NOW - 30 * MINUTE, 1)]);
    await follower.catchUp();
    await follower.catchUp();
    const series = readings.series("S1", "t1", "temperature");
    expect(series?.points.map((p) => p.value)).toEqual([4, 9, 5, 6]);
    expect(series?.latest.value).toBe(6);
  });

  it("pages through more points than a page holds", async () => {
    const telemetry = await store();
    const readings = new DeviceReadings();
    const follower = new ReadingsFollower(telemetry, readings, { now: () => NOW, pageSize: 3 });
    await telemetry.write(Array.from({ length: 10 }, (_, i) => point(NOW - (10 - i) * MINUTE, i)));
    await follower.catchUp();
    expect(readings.series("S1", "t1", "temperature")?.points.map((p) => p.value)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });
});
