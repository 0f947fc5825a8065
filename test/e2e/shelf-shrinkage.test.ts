import { runScenario } from "@tally/cli";
import type { ShelfDevice, SiteLayout } from "@tally/protocols";
import { builtInScenarioFile, type LoadedScenario, loadScenarioFile, type ScoreReport } from "@tally/simulators";
import { describe, expect, it } from "vitest";
import { testLogger } from "../support/quiet-logger.js";

const logger = testLogger();
const KINDS = ["theft", "mis-pick", "mis-shelved", "load-cell-fault"];

/** The built-in shelf-shrinkage scenario, its shelves changed by `shelf` (a control run), played at max speed. */
async function play(shelf: Partial<ShelfDevice> = {}, scale = 1): Promise<ScoreReport> {
  const base = await loadScenarioFile(builtInScenarioFile("shelf-shrinkage"));
  const site: SiteLayout = {
    ...base.site,
    devices: base.site.devices.map((d) => (d.kind === "shelf" ? { ...d, ...shelf } : d)),
  };
  const loaded: LoadedScenario = await loadScenarioFile(builtInScenarioFile("shelf-shrinkage"), { site, scale });
  const { report } = await runScenario({ loaded, speed: "max", target: { inProcess: {} }, logger });
  return report;
}

describe("shelf-shrinkage: scans and shelves fused catch every kind of shrinkage, with ground truth", () => {
  it("detects every theft, mis-pick, mis-shelved item and load-cell fault at its bin, and no false weight mismatch", async () => {
    const report = await play();
    const { byKind } = report.details.anomalies;
    expect(Object.keys(byKind).sort()).toEqual([...KINDS].sort());
    for (const kind of KINDS) {
      expect(byKind[kind]?.injected, kind).toBeGreaterThanOrEqual(2);
      expect(byKind[kind]?.recall, kind).toBe(1);
    }
    // Ordinary scanned picks under the shelves' noise: each scan and its weight agree.
    expect(report.details.falseWeightMismatches).toEqual([]);
    expect(report.anomalyPrecision).toBe(1);
    expect(report.anomalyRecall).toBe(1);
  }, 180_000);

  it("control: shelves that allow unscanned picks see every theft as a pick (theft recall 0)", async () => {
    const report = await play({ unscannedPicks: "allow" }, 0.25);
    expect(report.details.anomalies.byKind.theft).toMatchObject({ injected: 3, detected: 0 });
  }, 180_000);

  it("control: without pairing scans with weights (fusion window 0), picks raise false weight mismatches and count mis-picks go unseen", async () => {
    const report = await play({ fusionWindowS: 0 }, 0.25);
    expect(report.details.falseWeightMismatches.length).toBeGreaterThan(0);
    // Scanned 2, took 4; scanned 3, took 1: only a scan and its weight side by side can tell.
    expect(report.details.anomalies.byKind["mis-pick"]).toMatchObject({ injected: 3, detected: 1 });
  }, 180_000);

  it("control: shelves without the whole-units and scan-without-change checks see no mis-shelved item", async () => {
    // A mis-shelved item is caught twice over: its weight is not whole units of the bin it lands on
    // (WEIGHT_NOT_WHOLE_UNITS), and the bin it was scanned to never rises (SCAN_WITHOUT_SHELF_CHANGE).
    // Count mismatches come only after the shelves' 10-minute grace, too late to count.
    const report = await play({ checks: { wholeUnits: false, scanWithoutChange: false } }, 0.25);
    expect(report.details.anomalies.byKind["mis-shelved"]).toMatchObject({ injected: 2, detected: 0 });
    expect(report.details.tasks.WEIGHT_NOT_WHOLE_UNITS?.raised ?? 0).toBe(0);
    expect(report.details.tasks.SCAN_WITHOUT_SHELF_CHANGE?.raised ?? 0).toBe(0);
  }, 180_000);
});
