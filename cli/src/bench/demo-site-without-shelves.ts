import type { SiteLayout } from "@tally/protocols";
import { DEMO_SITE_FILE, readSiteFile } from "@tally/simulators";

/** The demo site without its OPC-UA shelves: scanners, portals and sensors only, no OPC-UA server needed. */
export async function demoSiteWithoutShelves(): Promise<SiteLayout> {
  const site = await readSiteFile(DEMO_SITE_FILE);
  return { ...site, devices: site.devices.filter((d) => d.kind !== "shelf") };
}
