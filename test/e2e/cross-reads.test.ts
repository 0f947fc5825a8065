import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runScenario } from "@tally/cli";
import { DEFAULT_PIPELINE_CONFIG } from "@tally/edge";
import { builtInScenarioFile, loadScenarioFile } from "@tally/simulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testLogger } from "../support/quiet-logger.js";

const logger = testLogger();

// One truck through door 1 at close to real time (×2), with door 2 next to it reading half of the tags in
// bursts of two to six reads on both its antennas, in the tag's order, only 3–8 dB weaker (strays that look
// like crossings of their own). Stray reads come while the tag is in door 1's field, so door 2's pass closes
// up to a pass length before the tag's own pass at door 1.
const scenario = (site: string) => `
name: cross-reads
site: ${site}
seed: 11
duration: 40s
speed: 2
hardware:
  portals:
    readsPerTag: { min: 2, max: 4 }
    missProbability: 0.1
    strayProbability: 0.5
    strayBurst: { reads: { min: 2, max: 6 }, weakerDb: { min: 3, max: 8 } }
    neighbours: { portal-in1: portal-in2, portal-in2: portal-in1 }
flows:
  - { kind: inbound, trucks: 1, every: 1m, doors: [portal-in1], pallets: { min: 3, max: 3 }, itemsPerPallet: { min: 30, max: 30 }, skus: [BOLT] }
`;

describe("cross-reads at a neighbouring door, at close to real time", () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tally-cross-"));
    file = join(dir, "cross-reads.yaml");
    await writeFile(file, scenario(join(dirname(builtInScenarioFile("dock-day")), "warehouse-site.yaml")));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const play = async (pipeline?: { crossReads: typeof DEFAULT_PIPELINE_CONFIG.crossReads }) => {
    const loaded = await loadScenarioFile(file);
    return runScenario({ loaded, target: { inProcess: { ...(pipeline !== undefined && { pipeline }) } }, logger });
  };

  it("are suppressed: every tag received once, nearly all at their own door", async () => {
    const { truth, report } = await play();
    expect(truth.movements).toHaveLength(90);
    // Once each. A stray burst read as strongly as the tag's own pass can still take it to the wrong door;
    // these strays are far more frequent (one tag in two) than a real dock's.
    expect(report.details.movements).toMatchObject({ true: 90, recorded: 90 });
    expect(report.details.movements.matched).toBeGreaterThanOrEqual(87);
  }, 120_000);

  it("leak through when passes are neither held for a rival nor remembered once let through (control)", async () => {
    const crossReads = { ...DEFAULT_PIPELINE_CONFIG.crossReads, holdOffMs: 0, maxHoldMs: 0, rememberMs: 0 };
    const { report } = await play({ crossReads });
    expect(report.details.movements.recorded).toBeGreaterThan(90);
  }, 120_000);
});
