import { decodeEpc, parseScenarioFileText, type ScenarioFile } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { demoScenario } from "../demo-scenario.js";
import { planScenario, planScenarioStream } from "../plan-scenario.js";
import { BUILT_IN_SCENARIOS, builtInScenarioFile, compileScenario, loadScenarioFile } from "./index.js";

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
    // A pallet parked in door 3's field: its tags are named, so the scorer can count any movement of them.
    const parked = scenario.faults?.find((f) => f.kind === "parked-tags");
    expect(parked).toMatchObject({ deviceId: "portal-in3", atMs: 20 * 60_000, endMs: 35 * 60_000 });
    expect(parked?.epcs).toHaveLength(12);
    expect(parked?.epcs?.every((e) => e.startsWith("urn:epc:id:sgtin:"))).toBe(true);
    expect(plan.movements.some((m) => m.epc !== undefined && parked?.epcs?.includes(m.epc))).toBe(false);
  });

  it("plans parked tags that leave at last: weak reads all along, then one ordinary pass and its movements", async () => {
    const { site } = await loadScenarioFile(builtInScenarioFile("dock-day"));
    const file = parseScenarioFileText(`
name: staged
site: warehouse-site.yaml
seed: 3
duration: 2m
hardware: { portals: { parkedReadEvery: 1s } }
faults:
  - { kind: parked-tags, at: 10s, duration: 60s, device: portal-in1, sku: BOLT, count: 2, leaves: true }
`);
    if (!file.ok) throw new Error(file.error.reason);
    const scenario = compileScenario(file.value, site);
    expect(scenario.steps.map((s) => [s.kind, s.at, "parked" in s && s.parked === true])).toEqual([
      ["portal-pass", 10_000, true],
      ["portal-pass", 70_000, false],
    ]);
    const plan = planScenario(scenario, site);
    const epcs = scenario.faults?.[0]?.epcs ?? [];
    expect(plan.movements.map((m) => [m.movementType, m.epc, m.atMs])).toEqual(
      epcs.map((epc) => ["RECEIPT", epc, 70_000]),
    );
    // A read about every second while they stand (two tags, 60 s).
    const standingReads = plan.actions
      .filter((a) => a.kind === "read" && a.atMs < 70_000)
      .reduce((n, a) => n + (a.kind === "read" ? a.reads.length : 0), 0);
    expect(standingReads).toBeGreaterThanOrEqual(110);
    expect(standingReads).toBeLessThanOrEqual(122);
  });

  it("is deterministic for a seed, and --scale shrinks the flows", async () => {
    const { file, site } = await loadScenarioFile(builtInScenarioFile("shrinkage"));
    expect(compileScenario(file, site)).toEqual(compileScenario(file, site));
    const small = compileScenario(file, site, { scale: 0.5 });
    expect(small.asns).toHaveLength(1);
  });

  it("records every fault with its time and what could detect it", async () => {
    const { scenario, site } = await loadScenarioFile(builtInScenarioFile("cold-chain"));
    expect(scenario.faults?.map((f) => [f.kind, f.atMs, f.endMs])).toEqual([
      ["freezer-door-open", 300_000, 540_000],
      ["freezer-door-open", 420_000, 600_000],
      ["temperature-spike", 750_000, 790_000],
      ["temperature-spike", 780_000, 810_000],
      ["slow-warming", 810_000, 1_290_000],
      ["stuck-sensor", 900_000, 1_080_000],
      ["flat-battery", 1_320_000, undefined],
    ]);
    // Spikes are for no one to detect; a slow warming is for the rate limit (or, later, the excursion).
    expect(scenario.faults?.filter((f) => f.kind === "temperature-spike").map((f) => f.scoredBy)).toEqual([
      "cold-chain",
      "cold-chain",
    ]);
    expect(scenario.faults?.find((f) => f.kind === "slow-warming")?.detectedBy.map((d) => d.type)).toEqual([
      "TEMPERATURE_RATE",
      "TEMPERATURE_EXCURSION",
    ]);
    expect(scenario.graceS).toEqual({ "temp-cold": 120, "temp-frz": 120, "temp-dairy": 120 });
    const plan = planScenario(scenario, site);
    // The stuck sensor repeats one value; the dead one is silent.
    const cold = plan.actions.filter((a) => a.kind === "temp" && a.deviceId === "temp-cold");
    const stuck = cold.filter((a) => a.atMs >= 900_000 && a.atMs < 1_080_000);
    expect(new Set(stuck.map((a) => (a.kind === "temp" ? a.celsius : 0))).size).toBe(1);
    expect(cold.filter((a) => a.atMs >= 1_320_000)).toEqual([]);
  });

  it("cold-chain: three excursions past their grace with the lots at risk, two spikes within it", async () => {
    const { scenario, site } = await loadScenarioFile(builtInScenarioFile("cold-chain"));
    const plan = planScenario(scenario, site);
    const lots = (e: (typeof plan.excursions)[number]) => e.stockAtRisk?.map((r) => [r.sku, r.lot ?? "-", r.quantity]);
    const byStart = [...plan.excursions].sort((a, b) => a.startMs - b.startMs);
    // The truck's lot-less goods, put away at 74–76 s, are in both rooms before their excursions.
    const peas = plan.movements.find((m) => m.movementType === "PUTAWAY" && m.sku === "PEAS" && m.lot === undefined);
    const yogurt = plan.movements.find(
      (m) => m.movementType === "PUTAWAY" && m.sku === "YOGURT" && m.lot === undefined,
    );
    expect(byStart.map((e) => [e.deviceId, e.startMs, e.endMs, e.alertable, lots(e)])).toEqual([
      // Freezer 5m–9m: P1 before, P2 during; P0 picked before (3m30), P3 after (11m20).
      [
        "temp-frz",
        300_000,
        540_000,
        true,
        [
          ["PEAS", "-", peas?.qty],
          ["PEAS", "P1", 24],
          ["PEAS", "P2", 12],
        ],
      ],
      // Chilled room 7m–10m: Y1 before, Y2 during; Y0 picked before (4m), Y3 after (11m40), Y4 in the dairy room.
      [
        "temp-cold",
        420_000,
        600_000,
        true,
        [
          ["YOGURT", "-", yogurt?.qty],
          ["YOGURT", "Y1", 30],
          ["YOGURT", "Y2", 15],
        ],
      ],
      // The spikes: 40 s and 30 s, within the 120 s grace.
      ["temp-cold", 750_000, 790_000, false, undefined],
      ["temp-frz", 780_000, 810_000, false, undefined],
      // The dairy room crosses 8 °C near 18m50 and is back (8 − 0.5 hysteresis) at 21m30: Y4 less the 5 moved
      // out at 12m, and Y5 during; Y6 after.
      [
        "temp-dairy",
        1_130_000,
        1_290_000,
        true,
        [
          ["YOGURT", "Y4", 15],
          ["YOGURT", "Y5", 5],
        ],
      ],
    ]);
    // The scans carry their lots to the true movements.
    expect(plan.movements.filter((m) => m.lot !== undefined)).toHaveLength(25);
    // The warming climbs steadily: each minute's readings are higher than the minute before's, on average.
    const dairy = plan.actions.flatMap((a) => (a.kind === "temp" && a.deviceId === "temp-dairy" ? [a] : []));
    const minuteMean = (m: number) => {
      const r = dairy.filter((a) => a.atMs >= m * 60_000 && a.atMs < (m + 1) * 60_000);
      return r.reduce((n, a) => n + a.celsius, 0) / r.length;
    };
    for (let m = 14; m < 20; m++) expect(minuteMean(m + 1)).toBeGreaterThan(minuteMean(m));
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

describe("receiving: expected documents, SSCC pallets, zone portals and every task kind", () => {
  it("opens each truck's ASN before its first pallet and closes it after its last, pallets listed by SSCC", async () => {
    const { scenario } = await loadScenarioFile(builtInScenarioFile("receiving"));
    const docs = scenario.steps.filter((s) => s.kind === "document");
    const receipts = docs.filter((d) => d.document.kind === "receipt");
    expect(receipts.map((d) => [d.action, d.at])).toEqual([
      ["open", 0],
      ["close", expect.any(Number)],
      ["open", 480_000],
      ["close", expect.any(Number)],
      ["open", 960_000],
      ["close", expect.any(Number)],
    ]);
    for (const d of receipts.filter((r) => r.action === "open")) {
      if (d.document.kind !== "receipt") continue;
      const { dock, lines } = d.document.receipt;
      const door = scenario.steps.filter((s) => s.kind === "portal-pass" && s.at > d.at && s.at < d.at + 300_000);
      expect(door.length).toBeGreaterThan(0);
      // Every SSCC line names a pallet tag that passes that door.
      for (const line of lines.filter((l) => l.sscc !== undefined)) {
        const pass = door.find(
          (s) =>
            s.kind === "portal-pass" &&
            s.epcs.some((e) => {
              const tag = decodeEpc(e);
              return tag.ok && tag.value.scheme === "sscc-96" && tag.value.sscc === line.sscc;
            }),
        );
        expect(pass, `${dock} ${line.sscc}`).toBeDefined();
      }
    }
    const shipments = docs.filter((d) => d.document.kind === "shipment" && d.action === "open");
    expect(shipments.map((d) => d.document.kind === "shipment" && d.document.shipment.dock)).toEqual([
      "WH/SHIP/OUT1",
      "WH/SHIP/OUT1",
    ]);
    expect(scenario.faults?.map((f) => [f.kind, f.scoredBy])).toEqual([
      ["short-delivery", "tasks"],
      ["unknown-tags", "tasks"],
      ["unexpected-items", "tasks"],
      ["wrong-zone", "tasks"],
      ["wrong-dock", "tasks"],
    ]);
  });

  it("plans one expected task of each kind for what it injects", async () => {
    const { scenario, site } = await loadScenarioFile(builtInScenarioFile("receiving"));
    const plan = planScenario(scenario, site);
    const kinds = (type: string) => plan.tasks.filter((t) => t.taskType === type);
    expect(kinds("UNKNOWN_TAG")).toHaveLength(3);
    expect(kinds("UNEXPECTED_ITEM")).toEqual([
      expect.objectContaining({ location: "WH/DOCK/IN3", sku: "DRILL" }),
      expect.objectContaining({ location: "WH/DOCK/IN3", sku: "DRILL" }),
    ]);
    expect(kinds("MISSING_EXPECTED")).toEqual([
      expect.objectContaining({ location: "WH/DOCK/IN1", sku: "HINGE", detail: expect.stringContaining("3 × HINGE") }),
    ]);
    expect(kinds("WRONG_ZONE")).toEqual([
      expect.objectContaining({ location: "WH/COLD/C1", sku: "BOLT" }),
      expect.objectContaining({ location: "WH/COLD/C1", sku: "BOLT" }),
    ]);
    expect(kinds("WRONG_DOCK")).toEqual([
      expect.objectContaining({ location: "WH/SHIP/OUT2", epc: expect.stringMatching(/^urn:epc:id:sscc:0614141\./) }),
    ]);
    // Yogurt into the chilled room is a TRANSFER and no task; the pallets' lines move by SSCC.
    expect(plan.movements.filter((m) => m.movementType === "TRANSFER" && m.sku === "YOGURT").length).toBeGreaterThan(0);
    expect(plan.movements.some((m) => m.movementType === "RECEIPT" && m.sscc !== undefined && m.qty > 1)).toBe(true);
    expect(plan.movements.filter((m) => m.movementType === "SHIPMENT" && m.sscc !== undefined)).toHaveLength(2);
  });

  const withFaults = async (faults: string, flows = ""): Promise<() => unknown> => {
    const { site } = await loadScenarioFile(builtInScenarioFile("receiving"));
    const parsed = parseScenarioFileText(`name: t
site: x.yaml
seed: 1
duration: 10m
flows:
  - { kind: inbound, at: 1m, trucks: 1, every: 1m, doors: [portal-in1], pallets: { min: 1, max: 1 }, itemsPerPallet: { min: 5, max: 5 }, skus: [BOLT], expected: {}, putaway: { scanner: scanner-1, to: { BOLT: WH/STAGE/S1 } } }
${flows}
faults:
${faults}
`);
    if (!parsed.ok) throw new Error(parsed.error.reason);
    const file: ScenarioFile = parsed.value;
    return () => compileScenario(file, site);
  };

  it("refuses faults with nothing to act on", async () => {
    expect(await withFaults("  - { kind: unexpected-items, at: 5m, sku: NUT, count: 1 }")).toThrow(/no truck after it/);
    expect(await withFaults("  - { kind: wrong-dock, at: 0, device: portal-out2 }")).toThrow(/no SSCC shipment/);
    expect(await withFaults("  - { kind: wrong-zone, at: 5m, device: portal-cold, sku: YOGURT, count: 1 }")).toThrow(
      /YOGURT may enter WH\/COLD\/C1/,
    );
    expect(await withFaults("  - { kind: wrong-zone, at: 5m, device: portal-in1, sku: BOLT, count: 1 }")).toThrow(
      /not a zone portal/,
    );
    expect(await withFaults("  - { kind: wrong-zone, at: 0, device: portal-cold, sku: BOLT, count: 1 }")).toThrow(
      /no tagged BOLT at WH\/STAGE\/S1/,
    );
    expect(
      await withFaults("  - { kind: wrong-zone, at: 5m, device: portal-cold, sku: BOLT, count: 2 }"),
    ).not.toThrow();
  });

  it("carries tagged stock through a zone portal as the transfer flow says, and no further", async () => {
    const run = await withFaults(
      "  []",
      "  - { kind: transfer, at: 5m, count: 2, every: 1m, portal: portal-cold, items: { min: 3, max: 3 } }",
    );
    const scenario = run() as ReturnType<typeof compileScenario>;
    const passes = scenario.steps.filter((s) => s.kind === "portal-pass" && s.deviceId === "portal-cold");
    // Five tagged BOLTs staged: three, then the two left.
    expect(passes.map((p) => p.kind === "portal-pass" && p.epcs.length)).toEqual([3, 2]);
  });
});

describe("scenario file schema: documents and pallets", () => {
  it("refuses SSCC pallets without expected documents", () => {
    const text = (flow: string) => `name: t\nsite: x.yaml\nseed: 1\nduration: 1m\nflows:\n  - ${flow}\n`;
    const inbound = parseScenarioFileText(
      text(
        "{ kind: inbound, trucks: 1, every: 1m, doors: [d], pallets: { min: 1, max: 1 }, itemsPerPallet: { min: 1, max: 1 }, skus: [A], sscc: 0.5 }",
      ),
    );
    expect(inbound.ok ? "" : inbound.error.reason).toMatch(/flows\.0\.sscc: SSCC pallets need `expected`/);
    const outbound = parseScenarioFileText(
      text(
        "{ kind: outbound, shipments: 1, every: 1m, door: d, scanner: s, from: [L], items: { min: 1, max: 1 }, sscc: true }",
      ),
    );
    expect(outbound.ok).toBe(false);
    const fine = parseScenarioFileText(
      text(
        "{ kind: outbound, shipments: 1, every: 1m, door: d, scanner: s, from: [L], items: { min: 1, max: 1 }, sscc: true, expected: { lead: 30s } }",
      ),
    );
    expect(fine.ok && fine.value.flows[0]).toMatchObject({ expected: { lead: 30_000, closeAfter: 120_000 } });
  });

  it("reads default durations in seconds, like written ones", () => {
    const parsed = parseScenarioFileText(
      "name: t\nsite: x.yaml\nseed: 1\nduration: 1m\nflows:\n  - { kind: inbound, trucks: 1, every: 1m, doors: [d], pallets: { min: 1, max: 1 }, itemsPerPallet: { min: 1, max: 1 }, skus: [A], putaway: { scanner: s, to: {} } }\n  - { kind: replenishment, scanner: s, from: L, bins: [B], below: 1, upTo: 2 }\n",
    );
    if (!parsed.ok) throw new Error(parsed.error.reason);
    expect(parsed.value.flows[0]).toMatchObject({ putaway: { after: 60_000 } });
    expect(parsed.value.flows[1]).toMatchObject({ after: 30_000 });
  });
});

describe("built-in scenarios", () => {
  it.each([...BUILT_IN_SCENARIOS])("%s compiles, the same every time", async (name) => {
    const first = await loadScenarioFile(builtInScenarioFile(name));
    const again = await loadScenarioFile(builtInScenarioFile(name));
    expect(first.scenario.steps.length).toBeGreaterThan(0);
    expect(JSON.stringify(again.scenario)).toBe(JSON.stringify(first.scenario));
  });
});
