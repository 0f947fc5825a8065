import type { SiteLayout } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { demoSite } from "../testing/demo-site.js";
import { indexSite } from "./site-index.js";

const demo = demoSite();
const portal = (id: string, location: string, neighbours?: string[]) => ({
  id,
  kind: "rfid-portal" as const,
  location,
  direction: "inbound" as const,
  antennas: { inner: [2], outer: [1] },
  filter: { minReads: 2, minRssi: -85 },
  ...(neighbours ? { neighbours } : {}),
});

describe("SiteIndex.portalsNeighbour", () => {
  it("treats portals in the same zone as neighbours unless the site file lists them", () => {
    const site: SiteLayout = {
      ...demo,
      locations: [...demo.locations, { code: "DEMO/DOCK/D2", zone: "DOCK" }, { code: "DEMO/DOCK/D3", zone: "DOCK" }],
      devices: [
        portal("p1", "DEMO/DOCK/D1"),
        portal("p2", "DEMO/DOCK/D2"),
        portal("p3", "DEMO/DOCK/D3", ["p2"]),
        portal("s1", "DEMO/SHIP/S1"),
      ],
    };
    const index = indexSite(site);
    expect(index.portalsNeighbour("p1", "p2")).toBe(true);
    expect(index.portalsNeighbour("p1", "s1")).toBe(false);
    expect(index.portalsNeighbour("p3", "p2")).toBe(true);
    // p3 lists only p2, but p1 (same zone, no list) still counts p3 as its neighbour: either side suffices.
    expect(index.portalsNeighbour("p1", "p3")).toBe(true);
    expect(index.portalsNeighbour("p1", "p1")).toBe(false);
  });
});
