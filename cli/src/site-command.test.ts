import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningCloud, startCloud } from "@tally/cloud";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { runTally } from "./testing/run-tally.js";

const demoSite = fileURLToPath(new URL("../../simulators/scenarios/demo-site.yaml", import.meta.url));

describe("tally site import", () => {
  let cloud: RunningCloud | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await cloud?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("loads a site file into a running cloud with an admin's token, and is refused without one", async () => {
    dir = await mkdtemp(join(tmpdir(), "tally-site-import-"));
    cloud = await startCloud({
      port: 0,
      dataDir: dir,
      mqtt: { embedded: { port: 0 } },
      logger: pino({ level: "silent" }),
    });
    const tally = (...args: string[]) =>
      runTally({}, "site", "import", demoSite, "--api-url", cloud?.url ?? "", ...args);
    const refused = await tally();
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual([{ error: expect.objectContaining({ code: "TALLY_ERR_SIM_CLOUD" }) }]);
    expect(await cloud.store.locations({ siteId: "DEMO" })).toEqual([]);
    const imported = await tally("--api-token", cloud.adminToken);
    expect(imported.lines).toEqual([expect.objectContaining({ event: "site-imported", siteId: "DEMO" })]);
    const locations = await cloud.store.locations({ siteId: "DEMO" });
    expect(locations.map((l) => l.code)).toContain("DEMO/COLD/C1");
  });
});
