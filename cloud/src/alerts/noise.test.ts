import { describe, expect, it } from "vitest";
import type { Alert } from "./alert.js";
import { type Silence, silenceMatches, suppressionOf } from "./noise.js";

const now = Date.parse("2026-12-03T10:00:00.000Z");
const alert = (over: Partial<Alert> = {}): Alert => ({
  id: "a1",
  dedupKey: "DEVICE_SILENT:temp-1",
  kind: "DEVICE_SILENT",
  severity: "minor",
  status: "open",
  siteId: "S1",
  location: "S1/COLD/01",
  deviceId: "temp-1",
  edgeId: "E1",
  message: "temp-1 silent",
  raisedAt: "2026-12-03T09:59:00.000Z",
  ...over,
});
const silence = (over: Partial<Silence> = {}): Silence => ({
  id: "s1",
  matchers: {},
  exceptCritical: false,
  startsAt: "2026-12-03T09:00:00.000Z",
  endsAt: "2026-12-03T11:00:00.000Z",
  createdBy: "ana",
  comment: "replacing sensors",
  ...over,
});

describe("silences", () => {
  it("match by site, kind, device and location prefix, only while they last", () => {
    expect(silenceMatches(silence({ matchers: { siteId: "S1", kind: "DEVICE_SILENT" } }), alert(), now)).toBe(true);
    expect(silenceMatches(silence({ matchers: { siteId: "S2" } }), alert(), now)).toBe(false);
    expect(silenceMatches(silence({ matchers: { deviceId: "temp-2" } }), alert(), now)).toBe(false);
    expect(silenceMatches(silence({ matchers: { location: "S1/COLD" } }), alert(), now)).toBe(true);
    expect(silenceMatches(silence({ matchers: { location: "S1/CO" } }), alert(), now)).toBe(false);
    expect(silenceMatches(silence({ endsAt: "2026-12-03T10:00:00.000Z" }), alert(), now)).toBe(false);
    expect(silenceMatches(silence({ startsAt: "2026-12-03T10:30:00.000Z" }), alert(), now)).toBe(false);
  });

  it("a site in maintenance mutes everything but critical", () => {
    const maintenance = silence({ matchers: { siteId: "S1" }, exceptCritical: true });
    expect(suppressionOf(alert(), [maintenance], [], now)).toEqual({ by: "maintenance", id: "s1" });
    expect(suppressionOf(alert({ severity: "critical" }), [maintenance], [], now)).toBeUndefined();
  });
});

describe("inhibition", () => {
  const offline = alert({ id: "e1", kind: "EDGE_NOT_HEARD", dedupKey: "EDGE_NOT_HEARD:E1", severity: "major" });
  it("an edge not heard from mutes the DEVICE_SILENT alerts of its own devices, not another edge's", () => {
    expect(suppressionOf(alert(), [], [offline], now)).toEqual({ by: "inhibition", id: "e1" });
    expect(suppressionOf(alert({ edgeId: "E2" }), [], [offline], now)).toBeUndefined();
    expect(suppressionOf(alert({ kind: "TEMPERATURE_EXCURSION" }), [], [offline], now)).toBeUndefined();
  });
  it("only while the edge's alert is active", () => {
    expect(suppressionOf(alert(), [], [{ ...offline, status: "cleared" }], now)).toBeUndefined();
    expect(suppressionOf(alert(), [], [{ ...offline, status: "resolved" }], now)).toBeUndefined();
  });
});
