import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeEpc, decodeSgtin96, encodeEpc, encodeSgtin96, parseDeviceMessage } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { demoScenario } from "./demo-scenario.js";
import { MAX_READS_PER_MESSAGE, planScenario, stockLowsOf, TEMPERATURE_PERIOD_MS } from "./plan-scenario.js";
import type { ExpectedDocument, Scenario, ScenarioStep } from "./scenario.js";
import { loadSiteLayout } from "./site-file.js";
import { demoSite } from "./test-support.js";

const site = demoSite();

describe("the demo scenario's plan", () => {
  const plan = planScenario(demoScenario(site), site);

  it("ends with the expected positions", () => {
    expect(plan.positions).toEqual([
      { location: "DEMO/COLD/C1", sku: "MILK", qty: 6 },
      { location: "DEMO/DOCK/D1", sku: "SOAP", qty: 24 },
      { location: "DEMO/DOCK/D1", sku: "WIDGET", qty: 2 },
      { location: "DEMO/PICK/A1", sku: "WIDGET", qty: 7 },
      { location: "DEMO/PICK/A2", sku: "GADGET", qty: 3 },
    ]);
  });

  it("has one receipt per tag, one per receipt scan, three putaways and two shelf picks", () => {
    const count = (type: string) => plan.movements.filter((m) => m.movementType === type).length;
    expect(count("RECEIPT")).toBe(12 + 4 + 6 + 1);
    expect(count("PUTAWAY")).toBe(3);
    expect(plan.movements.filter((m) => m.movementType === "PICK")).toMatchObject([
      { sku: "WIDGET", qty: 3, from: "DEMO/PICK/A1", deviceId: "shelf-1" },
      { sku: "GADGET", qty: 1, from: "DEMO/PICK/A2", deviceId: "shelf-1" },
    ]);
    expect(plan.movements).toHaveLength(28);
    const tagged = plan.movements.filter((m) => m.epc !== undefined);
    expect(new Set(tagged.map((m) => m.epc)).size).toBe(22);
  });

  it("reads tags whose SGTIN-96 decodes to the GTIN of the SKU received", () => {
    const gtinOf = new Map(site.items.map((i) => [i.sku, i.gtins[0]]));
    for (const m of plan.movements.filter((m) => m.deviceId === "portal-d1")) {
      expect(m.epc).toMatch(/^urn:epc:id:sgtin:0614141\./);
    }
    const epcs = new Set(plan.actions.flatMap((a) => (a.kind === "read" ? a.reads.map((r) => r.epc) : [])));
    expect(epcs.size).toBe(22);
    const skus: string[] = [];
    for (const epc of epcs) {
      const decoded = decodeSgtin96(epc);
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) continue;
      expect(decoded.value.companyPrefix).toBe("0614141");
      const sku = [...gtinOf].find(([, gtin]) => gtin === decoded.value.gtin)?.[0];
      skus.push(sku ?? "?");
    }
    expect(skus.filter((s) => s === "WIDGET")).toHaveLength(12);
    expect(skus.filter((s) => s === "GADGET")).toHaveLength(4);
    expect(skus.filter((s) => s === "MILK")).toHaveLength(6);
  });

  it("reads each tag 3–5 times on the outer antenna, then 3–5 times on the inner one", () => {
    const reads = plan.actions.flatMap((a) => (a.kind === "read" ? a.reads : []));
    const byTag = new Map<string, typeof reads>();
    for (const r of reads) byTag.set(r.epc, [...(byTag.get(r.epc) ?? []), r]);
    expect(byTag.size).toBe(22);
    for (const tagReads of byTag.values()) {
      const outer = tagReads.filter((r) => r.antenna === 1);
      const inner = tagReads.filter((r) => r.antenna === 2);
      expect(outer.length).toBeGreaterThanOrEqual(3);
      expect(outer.length).toBeLessThanOrEqual(5);
      expect(inner.length).toBeGreaterThanOrEqual(3);
      expect(inner.length).toBeLessThanOrEqual(5);
      expect(Math.max(...outer.map((r) => r.atMs))).toBeLessThanOrEqual(Math.min(...inner.map((r) => r.atMs)));
    }
    for (const r of reads) {
      expect(r.rssi).toBeGreaterThanOrEqual(-70);
      expect(r.rssi).toBeLessThanOrEqual(-40);
    }
    for (const a of plan.actions) {
      if (a.kind !== "read") continue;
      expect(a.reads.length).toBeLessThanOrEqual(MAX_READS_PER_MESSAGE);
      // A message never reports a read from its future.
      for (const r of a.reads) expect(r.atMs).toBeLessThanOrEqual(a.atMs);
    }
  });

  it("sets shelf weights in grams of whole units, starting from empty", () => {
    const weights = plan.actions.flatMap((a) => (a.kind === "weight" ? [[a.atMs, a.location, a.grams]] : []));
    expect(weights).toEqual([
      [10_500, "DEMO/PICK/A1", 2500],
      [11_500, "DEMO/PICK/A2", 1600],
      [14_000, "DEMO/PICK/A1", 1750],
      [16_000, "DEMO/PICK/A2", 1200],
    ]);
  });

  it("reads the cold room every 2 s, 4–5 °C, then 11 °C from 16 s: one excursion that does not end", () => {
    const temps = plan.actions.filter((a) => a.kind === "temp");
    expect(temps.map((t) => t.atMs)).toEqual(Array.from({ length: 11 }, (_, i) => i * TEMPERATURE_PERIOD_MS));
    for (const t of temps) {
      if (t.atMs < 16_000) expect(t.celsius).toSatisfy((c: number) => c >= 4 && c <= 5);
      else expect(t.celsius).toSatisfy((c: number) => c >= 10.5 && c <= 11.5);
    }
    // Grace 0: alertable at once; the 6 MILK put away into the cold room before it are at risk.
    expect(plan.excursions).toEqual([
      {
        deviceId: "temp-c1",
        location: "DEMO/COLD/C1",
        zone: "COLD",
        startMs: 16_000,
        graceS: 0,
        alertable: true,
        stockAtRisk: [{ sku: "MILK", quantity: 6 }],
      },
    ]);
    expect(plan.endMs).toBe(22_000);
  });

  it("produces payloads the protocols schemas accept", () => {
    const stamp = new Date().toISOString();
    for (const a of plan.actions) {
      if (a.kind === "system" || a.kind === "device-state" || a.kind === "document") continue;
      const [channel, message] =
        a.kind === "read"
          ? (["read", { reads: a.reads.map(({ atMs: _, ...r }) => ({ ...r, readAt: stamp })) }] as const)
          : a.kind === "scan"
            ? (["scan", { ...a.scan, scannedAt: stamp }] as const)
            : a.kind === "temp"
              ? (["temp", { celsius: a.celsius, measuredAt: stamp }] as const)
              : (["weight", { location: a.location, grams: a.grams, measuredAt: stamp }] as const);
      const parsed = parseDeviceMessage(channel, JSON.stringify(message));
      expect(parsed, JSON.stringify(message)).toMatchObject({ ok: true });
    }
  });

  it("is deterministic for a seed and changes with it", () => {
    const again = planScenario(demoScenario(site), site);
    expect(again).toEqual(plan);
    const other = planScenario({ ...demoScenario(site), seed: 7 }, site);
    expect(other.actions).not.toEqual(plan.actions);
    expect(other.positions).toEqual(plan.positions);
  });
});

describe("planScenario refuses", () => {
  const base: Scenario = { name: "t", seed: 1, durationMs: 0, steps: [] };
  it.each([
    [
      { kind: "scan", at: 0, deviceId: "nope", gtin: "00614141000043", qty: 1, action: "RECEIPT" },
      /unknown device nope/,
    ],
    [{ kind: "scan", at: 0, deviceId: "shelf-1", gtin: "00614141000043", qty: 1, action: "RECEIPT" }, /is a shelf/],
    [
      {
        kind: "scan",
        at: 0,
        deviceId: "scanner-1",
        gtin: "00614141000012",
        qty: 1,
        action: "PUTAWAY",
        location: "DEMO/PICK/A1",
      },
      /PUTAWAY scan needs fromLocation/,
    ],
    [
      {
        kind: "scan",
        at: 0,
        deviceId: "scanner-1",
        gtin: "00614141000043",
        qty: 1,
        action: "RECEIPT",
        location: "DEMO/X/Y",
      },
      /unknown location DEMO\/X\/Y/,
    ],
    [{ kind: "shelf-load", at: 0, deviceId: "shelf-1", location: "DEMO/PICK/A1", units: -1 }, /would hold -1 units/],
    [
      { kind: "shelf-load", at: 0, deviceId: "shelf-1", location: "DEMO/DOCK/D1", units: 1 },
      /no bin at DEMO\/DOCK\/D1/,
    ],
    [{ kind: "temperature", at: 0, deviceId: "temp-c1", minC: 5, maxC: 4 }, /minC ≤ maxC/],
  ] as const)("%o", (step, message) => {
    expect(() => planScenario({ ...base, steps: [step] }, site)).toThrow(message);
  });

  it("with the step's index and time in the message", () => {
    const step = { kind: "shelf-load", at: 250, deviceId: "shelf-1", location: "DEMO/PICK/A1", units: -1 } as const;
    expect(() => planScenario({ ...base, steps: [step] }, site)).toThrow(
      "scenario t: steps.0 (shelf-load at 250 ms): bin DEMO/PICK/A1 would hold -1 units",
    );
  });

  it.each([
    [{ action: "PICK", fromLocation: "DEMO/DOCK/D1" }, /only a PUTAWAY scan takes fromLocation/],
    [{ action: "PUTAWAY", fromLocation: "DEMO/DOCK/D1" }, /to itself/],
  ] as const)("what the edge would refuse: %o", (fields, message) => {
    const step = { kind: "scan", at: 0, deviceId: "scanner-1", gtin: "00614141000043", qty: 1, ...fields } as const;
    expect(() => planScenario({ ...base, steps: [step] }, site)).toThrow(message);
  });

  it("a RETURN scan with no location, from a scanner without a returnsLocation", () => {
    const step = {
      kind: "scan",
      at: 0,
      deviceId: "scanner-1",
      gtin: "00614141000043",
      qty: 1,
      action: "RETURN",
    } as const;
    expect(() => planScenario({ ...base, steps: [step] }, site)).toThrow(/RETURN scan needs a location/);
  });

  it("but plans SHIP scans as shipments out of, and RETURN scans as returns into, their location", () => {
    const scan = { kind: "scan", at: 0, deviceId: "scanner-1", gtin: "00614141000043", qty: 2 } as const;
    const plan = planScenario(
      {
        ...base,
        steps: [
          { ...scan, action: "SHIP", location: "DEMO/SHIP/S1" },
          { ...scan, action: "RETURN", location: "DEMO/DOCK/D1", qty: 1 },
        ],
      },
      site,
    );
    expect(plan.movements).toEqual([
      expect.objectContaining({ movementType: "SHIPMENT", sku: "SOAP", qty: 2, from: "DEMO/SHIP/S1" }),
      expect.objectContaining({ movementType: "RETURN", sku: "SOAP", qty: 1, to: "DEMO/DOCK/D1" }),
    ]);
  });

  it("but lets an unknown tag or GTIN through, moving nothing", () => {
    const plan = planScenario(
      {
        ...base,
        steps: [
          { kind: "portal-pass", at: 0, deviceId: "portal-d1", epcs: ["E2801160600002084C6A6B3F"] },
          { kind: "scan", at: 0, deviceId: "scanner-1", gtin: "00000000000000", qty: 1, action: "RECEIPT" },
        ],
      },
      site,
    );
    expect(plan.movements).toEqual([]);
    expect(plan.actions.filter((a) => a.kind === "read").length).toBeGreaterThan(0);
  });
});

describe("the truth of expected documents, pallets and zone portals", () => {
  const wh = loadSiteLayout(
    readFileSync(fileURLToPath(new URL("../scenarios/warehouse-site.yaml", import.meta.url)), "utf8"),
  );
  const sgtin = (gtin: string, serial: number): string => {
    const epc = encodeSgtin96({ gtin, companyPrefixDigits: 7, serial });
    if (!epc.ok) throw new Error(epc.error.message);
    return epc.value;
  };
  const pallet = (n: number): { hex: string; sscc: string; uri: string } => {
    const uri = `urn:epc:id:sscc:0614141.${String(n).padStart(10, "0")}`;
    const hex = encodeEpc(uri);
    const tag = hex.ok ? decodeEpc(hex.value) : undefined;
    if (!hex.ok || tag?.ok !== true || tag.value.scheme !== "sscc-96") throw new Error("pallet");
    return { hex: hex.value, sscc: tag.value.sscc, uri };
  };
  const BOLT = "00614141001019";
  const HINGE = "00614141001040";
  const YOGURT = "00614141001071";
  const p1 = pallet(1);
  const p2 = pallet(2);
  const p3 = pallet(3);
  const receipt: ExpectedDocument = {
    kind: "receipt",
    receipt: {
      id: "asn-1",
      siteId: "WH",
      dock: "WH/DOCK/IN1",
      lines: [
        { sku: "BOLT", qty: 2, sscc: p1.sscc },
        { sku: "HINGE", qty: 1 },
        { sku: "YOGURT", qty: 4 },
      ],
    },
  };
  const shipment: ExpectedDocument = {
    kind: "shipment",
    shipment: { id: "sh-1", siteId: "WH", dock: "WH/SHIP/OUT1", lines: [{ sku: "HINGE", qty: 3, sscc: p2.sscc }] },
  };
  const pass = (at: number, deviceId: string, epcs: string[]): ScenarioStep => ({
    kind: "portal-pass",
    at,
    deviceId,
    epcs,
  });
  const scenario: Scenario = {
    name: "docs",
    seed: 1,
    durationMs: 0,
    steps: [
      pass(0, "portal-in1", [p3.hex]), // before any document: on no open receipt
      { kind: "document", at: 1000, action: "open", document: receipt },
      pass(2000, "portal-in1", [p1.hex, sgtin(HINGE, 1), sgtin(HINGE, 2)]), // the second HINGE is one too many
      pass(3000, "portal-in2", [sgtin(HINGE, 3)]), // another door: its receipts, none
      pass(4000, "portal-in1", [sgtin("09999999000010", 1)]), // unknown GTIN
      { kind: "document", at: 5000, action: "close", document: receipt }, // 4 YOGURT missing
      { kind: "document", at: 6000, action: "open", document: shipment },
      pass(7000, "portal-out2", [p2.hex]), // the shipment's pallet, through the wrong door
      pass(8000, "portal-cold", [sgtin(YOGURT, 4), sgtin(BOLT, 5)]), // BOLT must not enter the chilled room
    ],
  };
  const plan = planScenario(scenario, wh);

  it("moves a pallet's lines by its SSCC, items by their SGTIN, and through a zone portal as TRANSFERs", () => {
    expect(plan.movements.map((m) => [m.movementType, m.sku, m.qty, m.from ?? "", m.to ?? "", m.sscc ?? ""])).toEqual([
      ["RECEIPT", "BOLT", 2, "", "WH/DOCK/IN1", p1.sscc],
      ["RECEIPT", "HINGE", 1, "", "WH/DOCK/IN1", ""],
      ["RECEIPT", "HINGE", 1, "", "WH/DOCK/IN1", ""],
      ["RECEIPT", "HINGE", 1, "", "WH/DOCK/IN2", ""],
      ["SHIPMENT", "HINGE", 3, "WH/SHIP/OUT2", "", p2.sscc],
      ["TRANSFER", "YOGURT", 1, "WH/STAGE/S1", "WH/COLD/C1", ""],
      ["TRANSFER", "BOLT", 1, "WH/STAGE/S1", "WH/COLD/C1", ""],
    ]);
  });

  it("expects the task each rule raises, where and about what", () => {
    expect(plan.tasks.map(({ detail: _, ...t }) => t)).toEqual([
      { taskType: "UNEXPECTED_ITEM", location: "WH/DOCK/IN1", epc: p3.uri, atMs: 0 },
      {
        taskType: "UNEXPECTED_ITEM",
        location: "WH/DOCK/IN1",
        sku: "HINGE",
        epc: "urn:epc:id:sgtin:0614141.000104.2",
        atMs: 2000,
      },
      {
        taskType: "UNKNOWN_TAG",
        location: "WH/DOCK/IN1",
        epc: "urn:epc:id:sgtin:9999999.000001.1",
        atMs: 4000,
      },
      { taskType: "MISSING_EXPECTED", location: "WH/DOCK/IN1", sku: "YOGURT", atMs: 5000 },
      { taskType: "WRONG_DOCK", location: "WH/SHIP/OUT2", epc: p2.uri, atMs: 7000 },
      {
        taskType: "WRONG_ZONE",
        location: "WH/COLD/C1",
        sku: "BOLT",
        epc: "urn:epc:id:sgtin:0614141.000101.5",
        atMs: 8000,
      },
    ]);
    expect(plan.documents).toEqual([
      { document: receipt, openMs: 1000, closeMs: 5000 },
      { document: shipment, openMs: 6000 },
    ]);
    // Documents are no device messages, but the play performs them in time order.
    expect(plan.actions.filter((a) => a.kind === "document").map((a) => a.atMs)).toEqual([1000, 5000, 6000]);
  });

  it("refuses a document closed before it is open, or opened twice", () => {
    const close: ScenarioStep = { kind: "document", at: 0, action: "close", document: receipt };
    const open: ScenarioStep = { ...close, action: "open" };
    expect(() => planScenario({ ...scenario, steps: [close] }, wh)).toThrow(/asn-1 is not open/);
    expect(() => planScenario({ ...scenario, steps: [open, { ...open, at: 1 }] }, wh)).toThrow(/opened twice/);
  });

  it("finds the first time true stock falls below the reorder point at storage and picking locations", () => {
    const lows = stockLowsOf(
      [
        { sku: "BOLT", qty: 30, to: "WH/STOR/R1", atMs: 0 },
        { sku: "BOLT", qty: 15, from: "WH/STOR/R1", to: "WH/DOCK/IN1", atMs: 10 }, // 15 < 20; a dock is not counted
        { sku: "BOLT", qty: 10, from: "WH/STOR/R1", atMs: 20 }, // still low: no second entry
        { sku: "DRILL", qty: 1, to: "WH/STOR/R3", atMs: 30 }, // no reorder point
      ],
      wh,
    );
    expect(lows).toEqual([{ sku: "BOLT", location: "WH/STOR/R1", reorderPoint: 20, atMs: 10 }]);
  });
});
