import type { LedgerLocation } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import type { Alert } from "../alerts/alert.js";
import type { EdgeRecord } from "../ingest/edge-registry.js";
import type { RawReading } from "../telemetry/telemetry-store.js";
import { DeviceReadings } from "./device-readings.js";
import { siteDevices } from "./site-devices.js";

const reading = (deviceId: string, at: string, value: number, siteId = "S1"): RawReading => ({
  siteId,
  at,
  deviceId,
  metric: "temperature",
  value,
  unit: "°C",
  location: `${siteId}/COLD/01`,
});

const location = (
  code: string,
  zoneKind: LedgerLocation["zoneKind"],
  temperatureClass: LedgerLocation["temperatureClass"],
) => {
  const [siteId = "", zone = "", bin = ""] = code.split("/");
  return { code, siteId, zone, bin, zoneKind, temperatureClass };
};

const alert = (overrides: Partial<Alert>): Alert => ({
  id: "a1",
  dedupKey: "k",
  kind: "TEMPERATURE_EXCURSION",
  severity: "critical",
  status: "open",
  siteId: "S1",
  message: "m",
  raisedAt: "2026-12-01T10:00:00.000Z",
  ...overrides,
});

const edge = (edgeId: string, siteId = "S1"): EdgeRecord => ({
  edgeId,
  siteId,
  lastSeq: 3,
  lastSeenAt: "2026-12-01T10:00:00.000Z",
  batches: 3,
  resends: 0,
  seqGaps: 0,
});

describe("DeviceReadings", () => {
  it("keeps the latest reading per device and a bounded window in time order, late rows included", () => {
    const readings = new DeviceReadings({ pointsPerSeries: 3, maxSeries: 10 });
    readings.add([
      reading("t1", "2026-12-01T10:00:00.000Z", 4),
      reading("t1", "2026-12-01T10:02:00.000Z", 5),
      reading("t1", "2026-12-01T10:01:00.000Z", 9), // late: joins the window, is not the latest
      reading("t1", "2026-12-01T10:03:00.000Z", 6),
    ]);
    const series = readings.series("S1", "t1", "temperature");
    expect(series?.latest).toEqual({ at: "2026-12-01T10:03:00.000Z", value: 6 });
    expect(series?.points.map((p) => p.value)).toEqual([9, 5, 6]);
  });

  it("forgets the series updated longest ago past its limit, and keeps sites apart", () => {
    const readings = new DeviceReadings({ pointsPerSeries: 3, maxSeries: 2 });
    readings.add([reading("t1", "2026-12-01T10:00:00.000Z", 1), reading("t2", "2026-12-01T10:00:00.000Z", 2)]);
    readings.add([reading("t1", "2026-12-01T10:01:00.000Z", 1), reading("t3", "2026-12-01T10:00:00.000Z", 3, "S2")]);
    expect(readings.ofSite("S1").map((s) => s.deviceId)).toEqual(["t1"]);
    expect(readings.ofSite("S2").map((s) => s.deviceId)).toEqual(["t3"]);
  });
});

describe("siteDevices", () => {
  it("puts devices in their zones with the latest reading, status from live alerts, and the site's edges", () => {
    const readings = new DeviceReadings();
    readings.add([reading("t1", "2026-12-01T10:00:00.000Z", 4), reading("t1", "2026-12-01T10:05:00.000Z", 9.5)]);
    const result = siteDevices({
      siteId: "S1",
      locations: [location("S1/A/01", "storage", "ambient"), location("S1/COLD/01", "storage", "chilled")],
      series: readings.ofSite("S1"),
      alerts: [
        alert({ id: "x", deviceId: "t1", location: "S1/COLD/01" }),
        alert({ id: "s", kind: "DEVICE_SILENT", severity: "major", deviceId: "shelf-9", location: "S1/A/01" }),
        alert({ id: "b", kind: "EDGE_BACKLOG", severity: "warning", edgeId: "edge-1", value: 1200 }),
        alert({ id: "y", kind: "DEVICE_SILENT", severity: "major", deviceId: "lost-1" }),
      ],
      edges: [edge("edge-2"), edge("edge-1"), edge("edge-9", "S2")],
    });
    expect(result.zones.map((z) => [z.zone, z.devices.map((d) => [d.deviceId, d.status])])).toEqual([
      ["A", [["shelf-9", "silent"]]],
      ["COLD", [["t1", "alerting"]]],
      ["", [["lost-1", "silent"]]],
    ]);
    const t1 = result.zones[1]?.devices[0];
    expect(t1?.readings).toEqual([{ metric: "temperature", value: 9.5, unit: "°C", at: "2026-12-01T10:05:00.000Z" }]);
    expect(t1?.lastReadingAt).toBe("2026-12-01T10:05:00.000Z");
    expect(result.zones[1]?.temperatureClass).toBe("chilled");
    expect(result.zones[1]?.temperatureRange).toEqual({ minC: 2, maxC: 8 });
    expect(result.edges).toEqual([
      { edgeId: "edge-1", lastSeenAt: "2026-12-01T10:00:00.000Z", status: "backlog", backlog: 1200 },
      { edgeId: "edge-2", lastSeenAt: "2026-12-01T10:00:00.000Z", status: "ok" },
    ]);
  });

  it("lists the edges any cloud process heard from, the latest contact winning, and those not heard from", () => {
    const result = siteDevices({
      siteId: "S1",
      locations: [],
      series: [],
      alerts: [alert({ id: "n", kind: "EDGE_NOT_HEARD", severity: "major", edgeId: "edge-3" })],
      edges: [edge("edge-1")],
      contacts: [
        { edgeId: "edge-1", siteId: "S1", lastSeenAt: "2026-12-01T10:07:00.000Z" },
        { edgeId: "edge-3", siteId: "S1", lastSeenAt: "2026-12-01T09:00:00.000Z" },
        { edgeId: "edge-9", siteId: "S2", lastSeenAt: "2026-12-01T10:00:00.000Z" },
      ],
    });
    expect(result.edges).toEqual([
      { edgeId: "edge-1", lastSeenAt: "2026-12-01T10:07:00.000Z", status: "ok" },
      { edgeId: "edge-3", lastSeenAt: "2026-12-01T09:00:00.000Z", status: "not-heard" },
    ]);
  });
});
