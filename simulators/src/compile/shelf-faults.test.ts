import { parseScenarioFileText } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { planScenario } from "../plan-scenario.js";
import { STUCK_READING_PERIOD_MS } from "../plan-shelf-readings.js";
import { builtInScenarioFile, compileScenario, loadScenarioFile } from "./index.js";

const A3 = "SH/PICK/A3";
const A4 = "SH/PICK/A4";
const B2 = "SH/PICK/B2";
const B3 = "SH/PICK/B3";
const B4 = "SH/PICK/B4";

/** A scenario on the shelf site: its bins filled by one truck, then `faults`. */
async function compileWith(faults: string) {
  const { site } = await loadScenarioFile(builtInScenarioFile("shelf-shrinkage"));
  const parsed = parseScenarioFileText(`name: t
site: x.yaml
seed: 5
duration: 20m
flows:
  - kind: inbound
    trucks: 1
    every: 1m
    doors: [portal-in1]
    pallets: { min: 2, max: 2 }
    itemsPerPallet: { min: 40, max: 40 }
    skus: [WASHER, CLAMP, BRACKET, SPRING, LATCH]
    putaway: { scanner: scanner-1, to: { WASHER: ${A3}, CLAMP: ${A4}, BRACKET: ${B2}, SPRING: ${B3}, LATCH: ${B4} } }
faults:
${faults}
`);
  if (!parsed.ok) throw new Error(parsed.error.reason);
  const scenario = compileScenario(parsed.value, site);
  return { scenario, plan: () => planScenario(scenario, site) };
}

describe("mis-pick", () => {
  it("scans one count and takes another from the bin: the weight is the true PICK, the scan moves nothing", async () => {
    const { scenario, plan } = await compileWith(
      `  - { kind: mis-pick, at: 10m, scanner: scanner-2, sku: WASHER, qty: 2, from: ${A3}, takenQty: 4 }`,
    );
    const scan = scenario.steps.find((s) => s.kind === "scan" && s.action === "PICK");
    expect(scan).toMatchObject({ qty: 2, location: A3, moves: false });
    expect(scenario.steps).toContainEqual(
      expect.objectContaining({ kind: "shelf-load", location: A3, units: -4, at: 600_000 }),
    );
    const picks = plan().movements.filter((m) => m.movementType === "PICK");
    expect(picks).toEqual([expect.objectContaining({ sku: "WASHER", qty: 4, from: A3 })]);
    expect(scenario.faults?.[0]?.detectedBy).toContainEqual({
      source: "task",
      type: "SCAN_SHELF_QTY_MISMATCH",
      location: A3,
    });
  });

  it("scans one bin and takes from its neighbour: the neighbour's SKU leaves, and both bins can tell", async () => {
    const { scenario, plan } = await compileWith(
      `  - { kind: mis-pick, at: 10m, scanner: scanner-2, sku: BRACKET, qty: 2, from: ${B2}, takenFrom: ${B3} }`,
    );
    const picks = plan().movements.filter((m) => m.movementType === "PICK");
    expect(picks).toEqual([expect.objectContaining({ sku: "SPRING", qty: 2, from: B3 })]);
    expect(scenario.faults?.[0]?.detectedBy).toEqual(
      expect.arrayContaining([
        { source: "task", type: "SCAN_WITHOUT_SHELF_CHANGE", location: B2 },
        { source: "alert", type: "SUSPECTED_THEFT", location: B3 },
      ]),
    );
  });

  it("refuses a mis-pick that takes what it scans, or from a bin with none of its SKU", async () => {
    const same = parseScenarioFileText(`name: t
site: x.yaml
seed: 1
duration: 1m
faults:
  - { kind: mis-pick, at: 0, scanner: scanner-2, sku: BOLT, qty: 2, from: ${A3}, takenQty: 2 }
`);
    expect(same.ok).toBe(false);
    if (!same.ok) expect(same.error.reason).toMatch(/another bin \(takenFrom\) or another quantity \(takenQty\)/);
    // Nothing was put on A1 (BOLT): nothing to take from it.
    await expect(
      compileWith(
        `  - { kind: mis-pick, at: 10m, scanner: scanner-2, sku: WASHER, qty: 1, from: ${A3}, takenFrom: SH/PICK/A1 }`,
      ),
    ).rejects.toThrow(/mis-pick at 600000 ms: no BOLT at SH\/PICK\/A1/);
  });
});

describe("load-cell-fault", () => {
  it("reads far over the bin's capacity, then true again; nothing moves", async () => {
    const { scenario, plan } = await compileWith(
      `  - { kind: load-cell-fault, at: 10m, duration: 30s, location: ${A4}, mode: out-of-range }`,
    );
    expect(scenario.faults?.[0]).toMatchObject({
      kind: "load-cell-fault",
      endMs: 630_000,
      detectedBy: [{ source: "alert", type: "LOAD_CELL_FAULT", location: A4 }],
    });
    const p = plan();
    const readings = p.actions.filter((a) => a.kind === "weight" && a.location === A4 && a.atMs >= 600_000);
    expect(readings.map((r) => r.atMs)).toEqual([600_000, 630_000]);
    expect(readings[0]).toMatchObject({ grams: 30_000 });
    const clamps = p.positions.find((x) => x.location === A4)?.qty ?? 0;
    expect(readings[1]?.kind === "weight" && readings[1].grams).toBe(clamps * 75);
  });

  it("repeats one exact value while stuck, on a shelf that checks: detectable only when long enough", async () => {
    const long = await compileWith(
      `  - { kind: load-cell-fault, at: 10m, duration: 45s, location: ${B4}, mode: stuck }`,
    );
    const readings = long
      .plan()
      .actions.filter((a) => a.kind === "weight" && a.location === B4 && a.atMs >= 600_000 && a.atMs < 645_000);
    expect(readings).toHaveLength(45_000 / STUCK_READING_PERIOD_MS);
    expect(new Set(readings.map((r) => r.kind === "weight" && r.grams)).size).toBe(1);
    expect(long.scenario.faults?.[0]?.detectedBy).toHaveLength(1);
    // shelf-b checks after 20 s; ten seconds of repeats cannot be told from a quiet bin.
    const short = await compileWith(
      `  - { kind: load-cell-fault, at: 10m, duration: 10s, location: ${B4}, mode: stuck }`,
    );
    expect(short.scenario.faults?.[0]?.detectedBy).toEqual([]);
    // shelf-a does not check for stuck cells at all.
    const unchecked = await compileWith(
      `  - { kind: load-cell-fault, at: 10m, duration: 60s, location: ${A3}, mode: stuck }`,
    );
    expect(unchecked.scenario.faults?.[0]?.detectedBy).toEqual([]);
  });

  it("keeps the bin's loads out of the span, and refuses what it cannot fake", async () => {
    const { scenario } = await compileWith(
      `  - { kind: load-cell-fault, at: 10m, duration: 30s, location: ${A3}, mode: negative }
  - { kind: theft, at: 10m10s, location: ${A3}, sku: WASHER, qty: 1 }`,
    );
    expect(scenario.steps.find((s) => s.kind === "shelf-load" && s.units === -1)?.at).toBe(632_000);
    await expect(
      compileWith(`  - { kind: load-cell-fault, at: 1m, duration: 30s, location: ${A3}, mode: out-of-range }`),
    ).rejects.toThrow(/out-of-range needs a capacityG on bin SH\/PICK\/A3/);
    await expect(
      compileWith(`  - { kind: load-cell-fault, at: 1m, duration: 30s, location: SH/STOR/R1, mode: negative }`),
    ).rejects.toThrow(/SH\/STOR\/R1 is not a shelf bin/);
  });
});

describe("shelves in a plan", () => {
  it("weighs a scanned pick from a shelf bin too, one PICK in the truth", async () => {
    const { site } = await loadScenarioFile(builtInScenarioFile("shelf-shrinkage"));
    const parsed = parseScenarioFileText(`name: t
site: x.yaml
seed: 5
duration: 20m
flows:
  - { kind: inbound, trucks: 1, every: 1m, doors: [portal-in1], pallets: { min: 1, max: 1 }, itemsPerPallet: { min: 10, max: 10 },
      skus: [LATCH], putaway: { scanner: scanner-1, to: { LATCH: ${B4} } } }
  - { kind: picks, at: 5m, count: 1, every: 1m, from: [${B4}], qty: { min: 2, max: 2 }, scanner: scanner-2 }
`);
    if (!parsed.ok) throw new Error(parsed.error.reason);
    const scenario = compileScenario(parsed.value, site);
    expect(scenario.steps).toContainEqual(
      expect.objectContaining({ kind: "shelf-load", location: B4, units: -2, scanned: true, at: 300_000 }),
    );
    const plan = planScenario(scenario, site);
    expect(plan.movements.filter((m) => m.movementType === "PICK")).toEqual([
      expect.objectContaining({ sku: "LATCH", qty: 2, from: B4, deviceId: "scanner-2" }),
    ]);
    expect(plan.positions).toContainEqual({ sku: "LATCH", location: B4, qty: 8 });
    // The MQTT shelf reported the bin empty 2 s before its first load, so that load is weighed as a change.
    const weights = plan.actions.filter((a) => a.kind === "weight" && a.location === B4);
    const firstLoad = scenario.steps.find((s) => s.kind === "shelf-load" && s.location === B4)?.at ?? 0;
    expect(weights[0]).toMatchObject({ atMs: firstLoad - 2000, grams: 0 });
    expect(weights.filter((w) => w.kind === "weight" && w.grams === 0)).toHaveLength(1);
  });
});
