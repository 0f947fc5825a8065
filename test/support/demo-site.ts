import { fileURLToPath } from "node:url";
import type { SiteLayout } from "@tally/protocols";
import { readSiteFile } from "@tally/simulators";

export const DEMO_SITE_FILE = fileURLToPath(new URL("../../simulators/scenarios/demo-site.yaml", import.meta.url));

/** The demo site with its OPC-UA shelf endpoints moved to `opcuaPort`, so tests can run side by side. */
export async function demoSiteOnPort(opcuaPort: number): Promise<SiteLayout> {
  const site = await readSiteFile(DEMO_SITE_FILE);
  return {
    ...site,
    devices: site.devices.map((d) =>
      d.kind === "shelf" && d.endpointUrl !== undefined
        ? { ...d, endpointUrl: d.endpointUrl.replace(/:\d+(\/|$)/, `:${opcuaPort}$1`) }
        : d,
    ),
  };
}
