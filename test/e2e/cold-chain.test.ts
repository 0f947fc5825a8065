import { runScenario } from "@tally/cli";
import type { SiteLayout } from "@tally/protocols";
import { builtInScenarioFile, loadScenarioFile } from "@tally/simulators";
import { describe, expect, it } from "vitest";
import { testLogger } from "../support/quiet-logger.js";

const logger = testLogger();

// 24 minutes of scenario at ×20: about 72 s a play. Grace periods of 120 s are 6 s of device time at this speed.
const SPEED = 20;
/** A grace period of 120 s of scenario on the devices' clocks at this speed. */
const GRACE_MS = 120_000 / SPEED;

describe("cold-chain: excursions alerted as their grace runs out, spikes ignored, stock at risk exact", () => {
  it("alerts every excursion longer than its grace within 5 s of the grace's end, none for the spikes", async () => {
    const loaded = await loadScenarioFile(builtInScenarioFile("cold-chain"));
    const { truth, report } = await runScenario({ loaded, speed: SPEED, target: { inProcess: {} }, logger });
    // The truth: three excursions past their grace (freezer, chilled room, dairy room), two spikes within it.
    expect(truth.excursions.filter((e) => e.alertable).map((e) => e.deviceId)).toEqual([
      "temp-cold",
      "temp-frz",
      "temp-dairy",
    ]);
    expect(truth.excursions.filter((e) => e.alertable === false)).toHaveLength(2);
    const cold = report.coldChain;
    if (cold === undefined) throw new Error("the report has no cold-chain section");
    expect(cold).toMatchObject({ excursions: 3, spikes: 2, alerted: 3, missed: 0, falseAlerts: 0 });
    // In time: the raise's commit, on the wall clock, within 5 s of the grace's end.
    expect(cold.perExcursion.map((p) => [p.deviceId, p.latencyMs !== null && Math.abs(p.latencyMs) <= 5000])).toEqual(
      cold.perExcursion.map((p) => [p.deviceId, true]),
    );
    expect(cold.alertedInTime).toBe(3);
    // On the device's clock too: raised as the grace ran out, not at the excursion's start.
    for (const p of cold.perExcursion) {
      expect(Math.abs(Date.parse(p.graceEndsAt ?? "") - Date.parse(p.raisedAt ?? ""))).toBeLessThan(GRACE_MS / 3);
    }
    // The rest of the day is right too: the ledger (lots included in the scans), and no stray signal.
    expect(report).toMatchObject({ inventoryAccuracy: 1, movementPrecision: 1, movementRecall: 1 });
    expect(report.anomalyPrecision).toBe(1);
    // The dairy room's slow warming is caught by its rate limit before it crosses 8 °C (the edge's TEMPERATURE_RATE).
    expect.soft(cold.rate).toEqual({ warmings: 1, caughtBeforeLimit: 1 });
    // Stock at risk, per excursion, exactly the truth's lots: those in the zone before it and those put away
    // during it; none of those picked or moved out before it, or put away after it (the cloud's /v1/excursions).
    expect.soft(cold.stockAtRisk).toMatchObject({ exact: 3, of: 3, withRecord: 3, falseRecords: 0 });
    for (const p of cold.perExcursion) expect.soft(p.stockAtRisk?.mismatches, p.deviceId).toEqual([]);
  }, 240_000);

  it("control: an edge with no grace period alerts the spikes and every excursion 2 minutes early", async () => {
    const loaded = await loadScenarioFile(builtInScenarioFile("cold-chain"));
    // The scenario keeps the grace periods it was written for (the truth judges by them); the edge gets none.
    const noGrace: SiteLayout = {
      ...loaded.site,
      devices: loaded.site.devices.map((d) => (d.kind === "temperature" ? { ...d, graceS: 0 } : d)),
    };
    expect(loaded.scenario.graceS).toEqual({ "temp-cold": 120, "temp-frz": 120, "temp-dairy": 120 });
    const { report } = await runScenario({
      loaded: { ...loaded, site: noGrace },
      speed: SPEED,
      target: { inProcess: {} },
      logger,
    });
    const cold = report.coldChain;
    if (cold === undefined) throw new Error("the report has no cold-chain section");
    // Each spike raises its sensor's alert again: false alerts the measurement sees.
    expect(cold.falseAlerts).toBeGreaterThanOrEqual(2);
    // Raised at each excursion's start, a whole grace (6 s of device time at ×20) before it ran out. Judged on
    // the devices' clock: the commit's wall-clock latency has only 1 s of margin here (6 s early against a 5 s
    // tolerance), which a loaded machine's commit delay can eat.
    expect(cold.alerted).toBe(3);
    const earlyMs = cold.perExcursion.map((p) => Date.parse(p.graceEndsAt ?? "") - Date.parse(p.raisedAt ?? ""));
    for (const early of earlyMs) expect(early).toBeGreaterThan((GRACE_MS * 2) / 3);
  }, 240_000);
});
