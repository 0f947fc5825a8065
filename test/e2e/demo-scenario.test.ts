import type { RunningSystem } from "@tally/cli";
import { demoScenario } from "@tally/simulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoSystem, demoSiteOnPort, startDemoSystem } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";

interface StockBody {
  positions: { sku: string; location: string; lot: string; qty: number }[];
}

const byKey = (a: { sku: string; location: string }, b: { sku: string; location: string }) =>
  `${a.sku}|${a.location}`.localeCompare(`${b.sku}|${b.location}`);

describe("end to end: simulators → edge → cloud on embedded defaults", () => {
  let demo: DemoSystem | undefined;
  let system: RunningSystem;

  beforeAll(async () => {
    // Temperature summaries every 5 s of device time, so the short play closes several of them.
    demo = await startDemoSystem("edge-e2e", { pipeline: { telemetryIntervalMs: 5_000 } });
    system = demo.system;
  });

  afterAll(async () => {
    await demo?.close();
  });

  it("ends with the ledger equal to what the scenario played, and a temperature alert", async () => {
    const { simulators, cloud, edge } = system;
    if (simulators === undefined) throw new Error("simulators did not start");
    const site = await demoSiteOnPort(0);
    const truth = await simulators.play(demoScenario(site), { speed: 2 });
    await edge.drained();

    const expected = truth.positions.map((p) => ({ sku: p.sku, location: p.location, qty: p.qty })).sort(byKey);
    const stock = await eventually(
      async () => ((await (await fetch(`${cloud.url}/v1/stock`)).json()) as StockBody).positions,
      (positions) =>
        JSON.stringify(positions.map((p) => ({ sku: p.sku, location: p.location, qty: p.qty })).sort(byKey)) ===
        JSON.stringify(expected),
      { what: "ledger equal to the ground truth", timeoutMs: 15_000 },
    );
    expect(stock.length).toBe(5);

    // Every true movement is in the ledger once: 23 tag receipts, a SOAP receipt, 3 putaways, 2 picks.
    const movements = (await (await fetch(`${cloud.url}/v1/movements?limit=1000`)).json()) as {
      movements: { movementType: string; qty: number }[];
    };
    const count = (type: string) => movements.movements.filter((m) => m.movementType === type).length;
    expect({ RECEIPT: count("RECEIPT"), PUTAWAY: count("PUTAWAY"), PICK: count("PICK") }).toEqual({
      RECEIPT: truth.movements.filter((m) => m.movementType === "RECEIPT").length,
      PUTAWAY: truth.movements.filter((m) => m.movementType === "PUTAWAY").length,
      PICK: truth.movements.filter((m) => m.movementType === "PICK").length,
    });

    const alerts = (await (await fetch(`${cloud.url}/v1/alerts`)).json()) as {
      alerts: { kind: string; status: string; location: string; sku?: string }[];
    };
    expect(truth.excursions).toHaveLength(1);
    expect(alerts.alerts.filter((a) => a.kind === "TEMPERATURE_EXCURSION")).toEqual([
      expect.objectContaining({ kind: "TEMPERATURE_EXCURSION", status: "open", location: "DEMO/COLD/C1" }),
    ]);
    // The site file is the cloud's item master: GADGET at A2 ends at 3, below its reorder point 4. Nothing else
    // is wrong at the end: any other alert has been resolved.
    expect(alerts.alerts.filter((a) => a.kind !== "TEMPERATURE_EXCURSION" && a.status === "open")).toEqual([
      expect.objectContaining({ kind: "LOW_STOCK", sku: "GADGET", location: "DEMO/PICK/A2" }),
    ]);
    expect(edge.inProcess?.metrics().deadLetters).toEqual({});
    expect(edge.inProcess?.metrics().outboxDepth).toBe(0);

    // Every temperature the ledger committed leaves its hand-off for the embedded telemetry store, where
    // GET /v1/telemetry finds it: the windows count every reading the raw points stand for.
    await eventually(
      () => cloud.store.pendingTelemetry(1),
      (pending) => pending.length === 0,
      { what: "the ledger's telemetry hand-off emptied into the telemetry store", timeoutMs: 15_000 },
    );
    const summaries = async () => {
      const now = Date.now();
      const range = await cloud.telemetry.query({
        siteId: "DEMO",
        metric: "temperature",
        fromMs: now - 24 * 3_600_000,
        toMs: now + 3_600_000,
        window: "raw",
        limit: 10_000,
      });
      // Full-rate readings around the excursion are in their period's summary too: aggregates skip them.
      return range.window === "raw" ? range.points.filter((p) => p.detail !== true) : [];
    };
    const points = await eventually(summaries, (p) => p.length > 0, { what: "temperature summaries in the store" });
    const readings = points.reduce((sum, p) => sum + (p.count ?? 1), 0);
    const times = points.map((p) => Date.parse(p.at));
    const from = new Date(Math.min(...times)).toISOString();
    const to = new Date(Math.max(...times) + 1).toISOString();
    const res = await fetch(`${cloud.url}/v1/telemetry?siteId=DEMO&metric=temperature&window=1h&from=${from}&to=${to}`);
    const body = (await res.json()) as { buckets?: { count: number }[] };
    expect((body.buckets ?? []).reduce((sum, b) => sum + b.count, 0)).toBe(readings);
  });
});
