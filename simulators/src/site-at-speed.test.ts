import type { SiteLayout } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { siteAtSpeed } from "./site-file.js";

const site: SiteLayout = {
  siteId: "S",
  zones: [{ id: "COLD", kind: "storage", temperatureClass: "chilled" }],
  locations: [{ code: "S/COLD/1", zone: "COLD" }],
  devices: [
    {
      id: "t1",
      kind: "temperature",
      location: "S/COLD/1",
      graceS: 60,
      stuckAfterS: 600,
      hysteresisC: 0.5,
      rateWindowS: 120,
      gapS: 60,
      excursionWindowS: 300,
    },
    { id: "sc", kind: "scanner", location: "S/COLD/1" },
    {
      id: "p1",
      kind: "rfid-portal",
      location: "S/COLD/1",
      direction: "inbound",
      antennas: { outer: [1], inner: [2] },
      filter: { minReads: 2, minRssi: -85 },
      presence: { timeoutMs: 20_000, stationaryMs: 60_000 },
    },
  ],
  items: [],
};

describe("siteAtSpeed", () => {
  it("shrinks temperature sensors' device-time thresholds by the play's speed and leaves the rest", () => {
    const fast = siteAtSpeed(site, 20);
    expect(fast.devices[0]).toMatchObject({ graceS: 3, stuckAfterS: 30 });
    expect(fast.devices[1]).toEqual(site.devices[1]);
  });

  it("shrinks a portal's presence timeout and stationary limit (device time) by the play's speed", () => {
    expect(siteAtSpeed(site, 20).devices[2]).toMatchObject({ presence: { timeoutMs: 1000, stationaryMs: 3000 } });
  });

  it("keeps the site as it is at real time and at max", () => {
    expect(siteAtSpeed(site, 1)).toBe(site);
    expect(siteAtSpeed(site, "max")).toBe(site);
  });
});
