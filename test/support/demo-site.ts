import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoSiteWithoutShelves, type RunningSystem, type SystemOptions, startSystem } from "@tally/cli";
import type { SiteLayout } from "@tally/protocols";
import { readSiteFile } from "@tally/simulators";
import { freePort } from "./free-port.js";
import { testLogger } from "./quiet-logger.js";

export { demoSiteWithoutShelves } from "@tally/cli";

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

/** The demo site without its OPC-UA shelves, and a fresh temporary folder; `close` removes the folder. */
export interface ShelfFreeDemo {
  site: SiteLayout;
  dataDir: string;
  close(): Promise<void>;
}

export async function demoWithoutShelvesInTempDir(prefix: string): Promise<ShelfFreeDemo> {
  const site = await demoSiteWithoutShelves();
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  return { site, dataDir, close: () => rm(dataDir, { recursive: true, force: true }) };
}

/** The whole demo system (cloud, edge, OPC-UA shelf) on embedded defaults, every port the OS's choice. */
export interface DemoSystem {
  system: RunningSystem;
  /** Stops the system and removes its data directory. */
  close(): Promise<void>;
}

export async function startDemoSystem(
  edgeId: string,
  options: { pipeline?: SystemOptions["pipeline"] } = {},
): Promise<DemoSystem> {
  const dataDir = await mkdtemp(join(tmpdir(), `tally-${edgeId}-`));
  const system = await startSystem({
    site: await demoSiteOnPort(await freePort()),
    logger: testLogger(),
    http: { host: "127.0.0.1", port: 0 },
    cloudMqttPort: 0,
    deviceMqttPort: 0,
    dataDir,
    edgeId,
    shelfSettleMs: 200,
    ...(options.pipeline !== undefined && { pipeline: options.pipeline }),
  }).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    system,
    close: async () => {
      await system.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
