import type { SiteLayout } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { siteAtSpeed } from "./site-file.js";

const site: SiteLayout = {
  siteId: "S",
  zones: [{ id: "COLD", kind: "storage", temperatureClass: "chilled" }],
  locations: [{ code: "S/COLD/1", zone: "COLD" }],
  devices: [
    { id: "t1", kind: "temperature", location: "S/COLD/1", graceS: 60, stuckAfterS: 600 },
    { id: "sc", kind: "scanner", location: "S/COLD/1" },
  ],
  items: [],
};

describe("siteAtSpeed", () => {
  it("shrinks temperature sensors' device-time thresholds by the play's speed and leaves the rest", () => {
    const fast = siteAtSpeed(site, 20);
    expect(fast.devices[0]).toMatchObject({ graceS: 3, stuckAfterS: 30 });
    expect(fast.devices[1]).toEqual(site.devices[1]);
  });

  it("keeps the site as it is at real time and at max", () => {
    expect(siteAtSpeed(site, 1)).toBe(site);
    expect(siteAtSpeed(site, "max")).toBe(site);
  });
});
