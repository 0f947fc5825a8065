import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type RunningCloud, startCloud } from "@tally/cloud";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../bin/tally.js", import.meta.url));
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
      run(process.execPath, [bin, "site", "import", demoSite, "--api-url", cloud?.url ?? "", ...args], {
        env: { ...process.env, TALLY_LOG_LEVEL: "warn" },
        timeout: 60_000,
      });
    await expect(tally()).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/TALLY_ERR_SIM_CLOUD/) });
    expect(await cloud.store.locations({ siteId: "DEMO" })).toEqual([]);
    const { stdout } = await tally("--api-token", cloud.adminToken);
    expect(JSON.parse(stdout.trim())).toMatchObject({ event: "site-imported", siteId: "DEMO" });
    const locations = await cloud.store.locations({ siteId: "DEMO" });
    expect(locations.map((l) => l.code)).toContain("DEMO/COLD/C1");
  });
});
