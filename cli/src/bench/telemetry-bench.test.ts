import { describe, expect, it } from "vitest";
import { runTally } from "../testing/run-tally.js";
import { InfluxUnavailableError, startLocalInflux } from "./local-influx.js";
import { benchLine, benchPoints, measureTelemetry } from "./telemetry-bench.js";

// Known before collection: the shape test needs a real influxd (in CI a missing one fails the run).
const influx = await startLocalInflux().catch((error: unknown) => {
  if (process.env.CI === "true" || !(error instanceof InfluxUnavailableError)) throw error;
  return undefined;
});
if (influx !== undefined) await influx.stop();

describe("tally bench telemetry", () => {
  it("makes distinct, time-ordered points per device, written as the InfluxDB store writes a reading", () => {
    const points = benchPoints(2, 3, Date.parse("2026-12-03T12:00:00.000Z"));
    expect(points).toHaveLength(6);
    expect(new Set(points.map((p) => p.id)).size).toBe(6);
    expect(new Set(points.map((p) => `${p.deviceId}@${p.atMs}`)).size).toBe(6);
    const first = points[0];
    if (first === undefined) throw new Error("no point");
    expect(benchLine(first)).toBe(
      `telemetry,deviceId=bench-t0,location=DEMO/COLD/C1,metric=temperature,siteId=DEMO,unit=Cel,zone=COLD ` +
        `count=1i,max=4,min=4,sum=4,value=4 ${first.atMs}`,
    );
  });

  it.skipIf(influx === undefined)(
    "reports points/s through the cloud against line protocol, with the ratio",
    async () => {
      const [result, forward, ...more] = await measureTelemetry({ devices: 2, perDevice: 60 });
      expect(more).toEqual([]);
      expect(forward).toMatchObject({ name: "telemetry-forward", unit: "points/s", details: { points: 120 } });
      expect(forward?.ratio).toBeGreaterThan(0);
      expect(result).toMatchObject({
        name: "telemetry",
        unit: "points/s",
        details: { points: 120, batch: 5000, influx: "throwaway" },
      });
      expect(result?.value).toBeGreaterThan(0);
      // CPU per point: the cloud process's, and the throwaway influxd's over the path and over the baseline.
      for (const key of ["cloudCpuUsPerPoint", "influxCpuUsPerPoint", "baselineInfluxCpuUsPerPoint"]) {
        expect(result?.details?.[key], key).toEqual(expect.any(Number));
      }
      expect(forward?.details?.influxCpuUsPerPoint).toEqual(expect.any(Number));
      expect(result?.baseline).toBeGreaterThan(0);
      expect(result?.ratio).toBeCloseTo((result?.value ?? 0) / (result?.baseline ?? 1), 1);
    },
    60_000,
  );

  it("refuses an --influx-url that is not http(s)://host:port, and lists itself", async () => {
    const bad = await runTally({}, "bench", "telemetry", "--json", "--influx-url", "udp://influx:8089");
    expect(bad.code).toBe(1);
    expect(bad.lines).toContainEqual({ error: expect.objectContaining({ code: "TALLY_ERR_USAGE" }) });
    const list = await runTally({}, "bench", "--list");
    expect(list.lines).toContainEqual(expect.objectContaining({ name: "telemetry" }));
  }, 60_000);
});
