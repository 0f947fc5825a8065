import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScenario } from "@tally/cli";
import { loadScenarioFile } from "@tally/simulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { freePort } from "../support/free-port.js";
import { testLogger } from "../support/quiet-logger.js";

const logger = testLogger();

// A truck of five WIDGETs through portal-d1 while six GADGETs stand in its field for 30 s (a tag read every
// 3 s), and four SOAPs stand there for 20 s and are then brought in through it (a staged pallet). Played at
// ×4, so device time runs four times faster: the edge's stationary limit is shrunk to 3 s here as
// `siteAtSpeed` shrinks a site's device-time thresholds (60 s at real time would be 15 s at ×4; 3 s keeps
// the test short).
const SCENARIO = `
name: parked
site: demo-site.yaml
seed: 7
duration: 40s
speed: 4
steps:
  - kind: portal-pass
    at: 2s
    device: portal-d1
    tags: [{ sku: WIDGET, count: 5 }]
faults:
  - { kind: parked-tags, at: 1s, duration: 30s, device: portal-d1, sku: GADGET, count: 6 }
  - { kind: parked-tags, at: 1s, duration: 20s, device: portal-d1, sku: SOAP, count: 4, leaves: true }
`;

const passes = (stationaryMs: number, evidence: "required" | "none" = "required") => ({
  passes: {
    silenceMs: 1000,
    stationaryMs,
    maxOpenPasses: 100_000,
    minDirectionGapMs: 100,
    // The control: no burst too long to be a pass, a single read a side in any order enough.
    ...(evidence === "none" && { maxPassMs: 600_000, minReadsPerSide: 1, minOrder: 0.01 }),
  },
});

describe("tags parked inside a portal's read field", () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tally-parked-"));
    file = join(dir, "parked.yaml");
    await writeFile(file, SCENARIO);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const play = async (stationaryMs: number, evidence: "required" | "none" = "required") => {
    const loaded = await loadScenarioFile(file, { site: await demoSiteOnPort(await freePort()) });
    return runScenario({ loaded, target: { inProcess: { pipeline: passes(stationaryMs, evidence) } }, logger });
  };

  it("make no movement while they stand, and one each when they leave through the door", async () => {
    const { truth, report } = await play(3000);
    expect(truth.faults?.map((f) => f.kind)).toEqual(["parked-tags", "parked-tags"]);
    // The truck's five WIDGETs, and the four SOAPs received as they leave their parking place inwards.
    expect(truth.movements).toHaveLength(9);
    expect(truth.movements.filter((m) => m.sku === "SOAP")).toHaveLength(4);
    expect(report.details.movements).toEqual({ true: 9, recorded: 9, matched: 9, parkedTags: 10, fromParkedTags: 0 });
    expect(report.movementPrecision).toBe(1);
  }, 60_000);

  it("would be received as GADGETs by an edge that neither knew them for parked nor asked for crossing evidence (control)", async () => {
    const { report } = await play(60_000, "none");
    expect(report.details.movements.fromParkedTags).toBeGreaterThanOrEqual(3);
    expect(report.movementPrecision).toBeLessThan(1);
  }, 60_000);
});
