import { describe, expect, it } from "vitest";
import type { GroundTruth, TrueExcursion } from "../scenario.js";
import { formatReport } from "./format-report.js";
import { compareStockAtRisk, type ObservedColdChain, scoreColdChain } from "./score-cold-chain.js";
import { type ObservedState, scoreRun, wallClockOf } from "./score-run.js";

const T0 = Date.parse("2026-12-03T08:00:00.000Z");
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const identity = (ms: number) => ms;

// Two excursions past a 120 s grace (freezer 0–240 s, chilled room 60–240 s), one 30 s spike (300–330 s).
const excursions: TrueExcursion[] = [
  {
    deviceId: "t-frz",
    location: "S/FRZ/1",
    zone: "FRZ",
    startedAt: iso(0),
    endedAt: iso(240_000),
    graceS: 120,
    graceEndsAt: iso(120_000),
    alertable: true,
    stockAtRisk: [
      { sku: "PEAS", quantity: 29 },
      { sku: "PEAS", lot: "P1", quantity: 24 },
    ],
  },
  {
    deviceId: "t-cold",
    location: "S/COLD/1",
    zone: "COLD",
    startedAt: iso(60_000),
    endedAt: iso(240_000),
    graceS: 120,
    graceEndsAt: iso(180_000),
    alertable: true,
    stockAtRisk: [{ sku: "YOGURT", lot: "Y1", quantity: 30 }],
  },
  {
    deviceId: "t-cold",
    location: "S/COLD/1",
    zone: "COLD",
    startedAt: iso(300_000),
    endedAt: iso(330_000),
    graceS: 120,
    graceEndsAt: iso(420_000),
    alertable: false,
  },
];

const truth: GroundTruth = {
  scenario: "cold",
  movements: [],
  positions: [],
  excursions,
  faults: [
    {
      kind: "slow-warming",
      atMs: 0,
      deviceId: "t-cold",
      location: "S/COLD/1",
      detail: "",
      detectedBy: [
        { source: "alert", type: "TEMPERATURE_RATE", location: "S/COLD/1" },
        { source: "alert", type: "TEMPERATURE_EXCURSION", location: "S/COLD/1" },
      ],
      startedAt: iso(0),
      endedAt: iso(240_000),
      injected: true,
    },
  ],
  events: 1,
};

/** A correct cloud: each alert raised as its grace ran out, committed 300 ms later; stock at risk exact. */
const correct = (): ObservedColdChain => ({
  raises: [
    { alertId: "a1", deviceId: "t-frz", at: iso(120_000), committedAtMs: T0 + 120_300 },
    { alertId: "a2", deviceId: "t-cold", at: iso(180_000), committedAtMs: T0 + 180_300 },
  ],
  rateAlerts: [{ deviceId: "t-cold", raisedAt: iso(30_000) }],
  excursions: [
    {
      id: "x1",
      deviceId: "t-frz",
      startedAt: iso(0),
      endedAt: iso(240_000),
      stockAtRisk: [
        { sku: "PEAS", quantity: 29 },
        // Two EPCs of one lot count as the lot's units.
        { sku: "PEAS", lot: "P1", epc: "urn:epc:id:sgtin:0614141.000008.1", quantity: 1 },
        { sku: "PEAS", lot: "P1", quantity: 23 },
      ],
    },
    {
      id: "x2",
      deviceId: "t-cold",
      startedAt: iso(60_000),
      endedAt: iso(240_000),
      stockAtRisk: [{ sku: "YOGURT", lot: "Y1", quantity: 30 }],
    },
  ],
});

describe("scoreColdChain", () => {
  it("a correct cloud: every excursion alerted in time, no false alert, stock at risk exact", () => {
    const report = scoreColdChain(truth, correct(), identity);
    expect(report).toMatchObject({
      excursions: 2,
      alerted: 2,
      alertedInTime: 2,
      missed: 0,
      spikes: 1,
      falseAlerts: 0,
      alertLatencyP50Ms: 300,
      alertLatencyMaxMs: 300,
      rate: { warmings: 1, caughtBeforeLimit: 1 },
      stockAtRisk: { exact: 2, of: 2, withRecord: 2, falseRecords: 0, precision: 1, recall: 1 },
    });
    expect(report.perExcursion.map((p) => [p.deviceId, p.recordId, p.stockAtRisk?.exact])).toEqual([
      ["t-frz", "x1", true],
      ["t-cold", "x2", true],
    ]);
  });

  it("a spike alerted is a false alert; an alert at the excursion's start (no grace) is not in time", () => {
    const observed = correct();
    // Grace 0 at the edge: raised at each start, spike included (the alert re-opens: one more raise).
    observed.raises = [
      { alertId: "a1", deviceId: "t-frz", at: iso(0) },
      { alertId: "a2", deviceId: "t-cold", at: iso(60_000) },
      { alertId: "a2", deviceId: "t-cold", at: iso(300_000) },
    ];
    const report = scoreColdChain(truth, observed, identity);
    expect(report).toMatchObject({ alerted: 2, alertedInTime: 0, falseAlerts: 1, alertLatencyP50Ms: -120_000 });
  });

  it("a missed excursion, a rate alert after the limit, and stock at risk that is wrong", () => {
    const observed = correct();
    observed.raises = [{ alertId: "a1", deviceId: "t-frz", at: iso(126_000) }]; // 6 s late, no commit time
    observed.rateAlerts = [{ deviceId: "t-cold", raisedAt: iso(90_000) }];
    const [x1, x2] = observed.excursions ?? [];
    if (x1 === undefined || x2 === undefined) throw new Error("fixture");
    // Lot-less peas missing, Y1 short by 5, and an extra lot that arrived after the end.
    x1.stockAtRisk = [{ sku: "PEAS", lot: "P1", quantity: 24 }];
    x2.stockAtRisk = [
      { sku: "YOGURT", lot: "Y1", quantity: 25 },
      { sku: "YOGURT", lot: "Y3", quantity: 9 },
    ];
    const report = scoreColdChain(truth, observed, identity);
    expect(report).toMatchObject({
      alerted: 1,
      alertedInTime: 0,
      missed: 1,
      alertLatencyMaxMs: 6000,
      rate: { warmings: 1, caughtBeforeLimit: 0 },
      stockAtRisk: { exact: 0, of: 2, precision: 0.75, recall: 0.75 },
    });
    expect(report.perExcursion[1]?.stockAtRisk?.mismatches).toEqual([
      { sku: "YOGURT", lot: "Y1", expected: 30, reported: 25 },
      { sku: "YOGURT", lot: "Y3", expected: 0, reported: 9 },
    ]);
  });

  it("a cloud without /v1/excursions: stock at risk not available, alerts still scored", () => {
    const { excursions: _none, ...older } = correct();
    const report = scoreColdChain(truth, older, identity);
    expect(report.stockAtRisk).toBe("not available");
    expect(report.alertedInTime).toBe(2);
    expect(report.perExcursion[0]).not.toHaveProperty("stockAtRisk");
  });

  it("a record that began a few readings before the true start (sensor noise) is still that excursion's", () => {
    const observed = correct();
    const x2 = observed.excursions?.[1];
    if (x2 === undefined) throw new Error("fixture");
    x2.startedAt = iso(50_000);
    x2.endedAt = iso(250_000);
    expect(scoreColdChain(truth, observed, identity).stockAtRisk).toMatchObject({ exact: 2, falseRecords: 0 });
  });

  it("an excursion record for no true excursion is counted apart", () => {
    const observed = correct();
    observed.excursions?.push({ id: "x3", deviceId: "t-cold", startedAt: iso(300_000) });
    const report = scoreColdChain(truth, observed, identity);
    expect(report.stockAtRisk).toMatchObject({ exact: 2, falseRecords: 1 });
  });

  it("measures latency on the wall clock through the play's clock (a play at max)", () => {
    // Device time ran 10× faster than the wall: the grace's end at device 120 s was wall 12 s.
    const clock = [
      { deviceMs: T0, wallMs: 0 },
      { deviceMs: T0 + 240_000, wallMs: 24_000 },
    ];
    const observed = correct();
    observed.raises = [
      { alertId: "a1", deviceId: "t-frz", at: iso(120_000), committedAtMs: 12_400 },
      { alertId: "a2", deviceId: "t-cold", at: iso(180_000) },
    ];
    const report = scoreColdChain({ ...truth, clock }, observed, wallClockOf(clock));
    expect(report.perExcursion.map((p) => p.latencyMs)).toEqual([400, 0]);
    // The raise's own device time, beside the wall-clock latency of its commit.
    expect(report.perExcursion.map((p) => p.raisedAt)).toEqual([iso(120_000), iso(180_000)]);
  });
});

describe("compareStockAtRisk", () => {
  it("nothing true and nothing reported is exact", () => {
    expect(compareStockAtRisk([], [])).toEqual({ precision: 1, recall: 1, exact: true, mismatches: [] });
  });
});

describe("scoreRun with the cold chain", () => {
  const observed = (coldChain?: ObservedColdChain): ObservedState => ({
    positions: [],
    movements: [],
    signals: [
      { source: "alert", id: "a1", type: "TEMPERATURE_EXCURSION", location: "S/FRZ/1", raisedAt: iso(120_000) },
      { source: "alert", id: "a2", type: "TEMPERATURE_EXCURSION", location: "S/COLD/1", raisedAt: iso(180_000) },
      { source: "alert", id: "r1", type: "TEMPERATURE_RATE", location: "S/COLD/1", raisedAt: iso(30_000) },
    ],
    ...(coldChain !== undefined && { coldChain }),
  });

  it("spikes are no anomalies: the two excursions are, and the rate alert matches the slow warming", () => {
    const report = scoreRun(truth, observed(correct()));
    expect(report.details.anomalies).toMatchObject({ scored: 2, detected: 2, signals: 3, signalsMatched: 3 });
    expect(report.coldChain?.alertedInTime).toBe(2);
    const table = formatReport(report);
    expect(table).toMatch(/excursions alerted\s+2\/2\s+in time \(±5 s of grace end\) 2, missed 0/);
    expect(table).toMatch(/false excursion alerts\s+0\s+1 spikes/);
    expect(table).toMatch(/slow warmings caught\s+1\/1/);
    expect(table).toMatch(/stock at risk exact\s+2\/2/);
  });

  it("the table says when the cloud has no excursion records; no cold-chain read, no section", () => {
    const { excursions: _none, ...older } = correct();
    expect(formatReport(scoreRun(truth, observed(older)))).toMatch(/stock at risk\s+not available/);
    expect(scoreRun(truth, observed())).not.toHaveProperty("coldChain");
  });
});
