import { describe, expect, it } from "vitest";
import { builtInScenarioFile, compileScenario, loadScenarioFile } from "./compile-scenario.js";
import { demoScenario } from "./demo-scenario.js";
import { planScenario, planScenarioStream } from "./plan-scenario.js";

describe("built-in scenario files", () => {
  it("demo.yaml is exactly the demo scenario", async () => {
    const { scenario, site, speed } = await loadScenarioFile(builtInScenarioFile("demo"));
    expect(speed).toBe(1);
    expect(scenario).toEqual(demoScenario(site));
  });

  it("dock-day has at least 20 trucks and 50,000 tagged items, and streams its plan", async () => {
    const { scenario, site, file } = await loadScenarioFile(builtInScenarioFile("dock-day"));
    expect(file.speed).toBe("max");
    expect(scenario.asns?.length).toBeGreaterThanOrEqual(20);
    const plan = planScenarioStream(scenario, site);
    const tagged = plan.movements.filter((m) => m.movementType === "RECEIPT" && m.epc !== undefined).length;
    expect(tagged).toBeGreaterThanOrEqual(50_000);
    let last = 0;
    let messages = 0;
    for (const a of plan.actions()) {
      expect(a.atMs).toBeGreaterThanOrEqual(last);
      last = a.atMs;
      messages++;
    }
    expect(messages).toBeGreaterThan(5000);
  });

  it("is deterministic for a seed, and --scale shrinks the flows", async () => {
    const { file, site } = await loadScenarioFile(builtInScenarioFile("shrinkage"));
    expect(compileScenario(file, site)).toEqual(compileScenario(file, site));
    const small = compileScenario(file, site, { scale: 0.5 });
    expect(small.asns).toHaveLength(1);
  });

  it("records every fault with its time and what could detect it", async () => {
    const { scenario, site } = await loadScenarioFile(builtInScenarioFile("cold-chain"));
    expect(scenario.faults?.map((f) => [f.kind, f.atMs])).toEqual([
      ["freezer-door-open", 300_000],
      ["stuck-sensor", 660_000],
      ["flat-battery", 960_000],
    ]);
    const plan = planScenario(scenario, site);
    expect(plan.excursions).toEqual([
      { deviceId: "temp-frz", location: "WH/FRZ/F1", startMs: 300_000, endMs: 540_000 },
    ]);
    // The stuck sensor repeats one value; the dead one is silent.
    const cold = plan.actions.filter((a) => a.kind === "temp" && a.deviceId === "temp-cold");
    const stuck = cold.filter((a) => a.atMs >= 660_000 && a.atMs < 840_000);
    expect(new Set(stuck.map((a) => (a.kind === "temp" ? a.celsius : 0))).size).toBe(1);
    expect(cold.filter((a) => a.atMs >= 960_000)).toEqual([]);
  });

  it("plans theft without a movement but with the loss in the positions", async () => {
    const { scenario, site } = await loadScenarioFile(builtInScenarioFile("shrinkage"));
    const plan = planScenario(scenario, site);
    expect(plan.unrecorded).toEqual([
      expect.objectContaining({ sku: "DRILL", qty: 3, from: "WH/STOR/R3" }),
      expect.objectContaining({ sku: "BOLT", qty: 2, from: "WH/PICK/P1" }),
    ]);
    expect(plan.positions).toContainEqual({ sku: "HINGE", location: "WH/PICK/P1", qty: 1 });
  });

  it("turns uplink cuts and edge restarts into system actions", async () => {
    const { scenario, site } = await loadScenarioFile(builtInScenarioFile("outage"));
    const plan = planScenario(scenario, site);
    expect(
      plan.actions.filter((a) => a.kind === "system").map((a) => [a.atMs, a.kind === "system" && a.action]),
    ).toEqual([
      [90_000, "uplink-cut"],
      [270_000, "uplink-restore"],
      [370_000, "edge-restart"],
    ]);
  });
});
