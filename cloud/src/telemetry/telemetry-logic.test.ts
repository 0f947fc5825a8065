import { ErrorCode } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { checkTelemetryQuery, MAX_RAW_RANGE_MS } from "./check-telemetry-query.js";
import { pointAggregates } from "./point-aggregates.js";
import { rollUpPoints } from "./roll-up-points.js";
import { telemetryPoint } from "./telemetry-forwarder.js";
import type { TelemetryPoint } from "./telemetry-store.js";
import { bucketStart, zoneOf } from "./telemetry-window.js";

const NOW = Date.parse("2026-12-03T12:00:00.000Z");

describe("checkTelemetryQuery", () => {
  it("defaults to the last hour, raw, the largest page", () => {
    expect(checkTelemetryQuery({}, NOW)).toEqual({
      ok: true,
      value: { fromMs: NOW - 3_600_000, toMs: NOW, window: "raw", limit: 10_000 },
    });
  });

  it("takes dates and times with a zone, and refuses local times and other forms", () => {
    const ok = checkTelemetryQuery({ from: "2026-12-01", to: "2026-12-01T02:00:00+01:00" }, NOW);
    expect(ok.ok && [ok.value.fromMs, ok.value.toMs]).toEqual([
      Date.parse("2026-12-01T00:00:00Z"),
      Date.parse("2026-12-01T01:00:00Z"),
    ]);
    for (const from of ["2026-12-01T00:00:00", "Dec 1 2026", "1764547200000", "2026-13-01T00:00:00Z"]) {
      const result = checkTelemetryQuery({ from, to: "2026-12-02T00:00:00Z" }, NOW);
      expect(result.ok, from).toBe(false);
      if (!result.ok) expect(result.error.code).toBe(ErrorCode.QueryInvalid);
    }
  });

  it("refuses empty and reversed ranges, long raw ranges and too many buckets", () => {
    const at = "2026-12-01T00:00:00Z";
    expect(checkTelemetryQuery({ from: at, to: at }, NOW).ok).toBe(false);
    expect(checkTelemetryQuery({ from: "2026-12-02T00:00:00Z", to: at }, NOW).ok).toBe(false);
    const rawEdge = new Date(Date.parse(at) + MAX_RAW_RANGE_MS).toISOString();
    expect(checkTelemetryQuery({ from: at, to: rawEdge }, NOW).ok).toBe(true);
    const rawOver = new Date(Date.parse(at) + MAX_RAW_RANGE_MS + 1).toISOString();
    expect(checkTelemetryQuery({ from: at, to: rawOver }, NOW).ok).toBe(false);
    // 10,000 one-minute buckets fit; one more does not. 1h windows cover a year.
    const tenThousandMinutes = new Date(Date.parse(at) + 10_000 * 60_000).toISOString();
    expect(checkTelemetryQuery({ from: at, to: tenThousandMinutes, window: "1m" }, NOW).ok).toBe(true);
    const more = new Date(Date.parse(at) + 10_001 * 60_000).toISOString();
    expect(checkTelemetryQuery({ from: at, to: more, window: "1m" }, NOW).ok).toBe(false);
    expect(checkTelemetryQuery({ from: "2025-12-01T00:00:00Z", to: at, window: "1h" }, NOW).ok).toBe(true);
    expect(checkTelemetryQuery({ limit: 0 }, NOW).ok).toBe(false);
    expect(checkTelemetryQuery({ limit: 10_001 }, NOW).ok).toBe(false);
  });
});

describe("windows", () => {
  it("aligns buckets to the epoch, flooring times before 1970 too", () => {
    expect(bucketStart(Date.parse("2026-12-01T10:04:59.999Z"), 300_000)).toBe(Date.parse("2026-12-01T10:00:00Z"));
    expect(bucketStart(-1, 60_000)).toBe(-60_000);
    expect(bucketStart(0, 60_000)).toBe(0);
  });

  it("reads the zone of a location", () => {
    expect(zoneOf("S1/COLD/B1")).toBe("COLD");
    expect(zoneOf("S1")).toBeUndefined();
    expect(zoneOf(undefined)).toBeUndefined();
  });

  it("rolls points up per series and bucket, each id once", () => {
    const p = (id: string, at: string, value: number, deviceId = "T1"): TelemetryPoint => ({
      id,
      siteId: "S1",
      deviceId,
      metric: "temperature",
      unit: "Cel",
      location: "S1/COLD/B1",
      at,
      value,
    });
    const rollups = rollUpPoints(
      [
        p("a", "2026-12-01T10:00:01Z", 2),
        p("b", "2026-12-01T10:00:59Z", 6),
        p("b", "2026-12-01T10:00:59Z", 6),
        p("c", "2026-12-01T10:01:00Z", 1),
        p("d", "2026-12-01T10:00:30Z", 9, "T2"),
      ],
      60_000,
    );
    expect(rollups.map((r) => [r.deviceId, new Date(r.startMs).toISOString(), r.min, r.max, r.sum, r.count])).toEqual([
      ["T1", "2026-12-01T10:00:00.000Z", 2, 6, 8, 2],
      ["T1", "2026-12-01T10:01:00.000Z", 1, 1, 1, 1],
      ["T2", "2026-12-01T10:00:00.000Z", 9, 9, 9, 1],
    ]);
    expect(rollups[0]?.zone).toBe("COLD");
  });
});

describe("summaries", () => {
  it("maps a wire summary and an excursion-window reading to stored points", () => {
    const base = {
      kind: "telemetry" as const,
      siteId: "S1",
      deviceId: "T1",
      metric: "temperature",
      unit: "Cel",
      occurredAt: "2026-12-03T11:00:00.000Z",
    };
    const summary = telemetryPoint({ ...base, id: "s", value: 4, summary: { periodS: 60, min: 2, max: 7, count: 6 } });
    expect(summary.summary).toEqual({ periodS: 60, min: 2, max: 7, count: 6 });
    expect(pointAggregates(summary)).toEqual({ min: 2, max: 7, count: 6, sum: 24 });
    const detail = telemetryPoint({ ...base, id: "d", value: 9, excursionWindow: true });
    expect(detail.detail).toBe(true);
    expect(pointAggregates(detail)).toEqual({ min: 9, max: 9, count: 1, sum: 9 });
  });

  it("rolls summaries up by their readings and leaves detail points out", () => {
    const p = (id: string, value: number, extra: Partial<TelemetryPoint> = {}): TelemetryPoint => ({
      id,
      siteId: "S1",
      deviceId: "T1",
      metric: "temperature",
      unit: "Cel",
      at: "2026-12-03T11:00:10.000Z",
      value,
      ...extra,
    });
    const rollups = rollUpPoints(
      [p("a", 3, { summary: { periodS: 60, min: 1, max: 5, count: 4 } }), p("b", 99, { detail: true }), p("c", 2)],
      60_000,
    );
    expect(rollups.map((r) => [r.min, r.max, r.sum, r.count])).toEqual([[1, 5, 14, 5]]);
  });
});
