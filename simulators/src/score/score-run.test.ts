import { describe, expect, it } from "vitest";
import type { GroundTruth, TrueMovement } from "../scenario.js";
import { formatReport, progressBar } from "./format-report.js";
import {
  movementKey,
  type ObservedState,
  percentile,
  REPORT_KEYS,
  type RecordedMovement,
  type RecordedSignal,
  scoreRun,
  wallClockOf,
} from "./score-run.js";

const T0 = Date.parse("2026-11-22T08:00:00.000Z");
const iso = (ms: number) => new Date(T0 + ms).toISOString();

const tm = (m: Partial<TrueMovement> & Pick<TrueMovement, "movementType">): TrueMovement => ({
  sku: "WIDGET",
  qty: 1,
  deviceId: "d",
  atMs: 0,
  occurredAt: iso(0),
  ...m,
});

const truth: GroundTruth = {
  scenario: "t",
  movements: [
    tm({ movementType: "RECEIPT", to: "S/D/1", epc: "urn:epc:id:sgtin:0614141.000001.1" }),
    tm({ movementType: "RECEIPT", to: "S/D/1", epc: "urn:epc:id:sgtin:0614141.000001.2" }),
    tm({ movementType: "PUTAWAY", from: "S/D/1", to: "S/P/1", qty: 2 }),
  ],
  positions: [{ sku: "WIDGET", location: "S/P/1", qty: 2 }],
  excursions: [{ deviceId: "t1", location: "S/C/1", startedAt: iso(1000) }],
  faults: [
    {
      kind: "unknown-tags",
      atMs: 0,
      location: "S/D/1",
      detail: "",
      detectedBy: [{ source: "task", type: "UNKNOWN_TAG", location: "S/D/1" }],
      startedAt: iso(0),
      injected: true,
    },
    { kind: "edge-restart", atMs: 0, detail: "", detectedBy: [], startedAt: iso(0), injected: true },
  ],
  events: 42,
};

const recorded = (m: TrueMovement, id: string, occurredAt = m.occurredAt): RecordedMovement => {
  const { deviceId: _d, atMs: _a, ...rest } = m;
  return { ...rest, id, occurredAt };
};

const perfect = (): ObservedState => ({
  positions: [{ sku: "WIDGET", location: "S/P/1", qty: 2 }],
  movements: truth.movements.map((m, i) => recorded(m, `m${i}`)),
  signals: [
    { source: "task", id: "t1", type: "UNKNOWN_TAG", location: "S/D/1", raisedAt: iso(100), committedAtMs: T0 + 150 },
    { source: "alert", id: "a1", type: "TEMPERATURE_EXCURSION", location: "S/C/1", raisedAt: iso(1000) },
  ],
  commitTimes: new Map([
    ["m0", T0 + 10],
    ["m1", T0 + 20],
    ["m2", T0 + 30],
  ]),
});

describe("scoreRun", () => {
  it("scores a perfect run 1 everywhere, with times from commits", () => {
    const report = scoreRun(truth, perfect());
    expect(report).toMatchObject({
      inventoryAccuracy: 1,
      movementPrecision: 1,
      movementRecall: 1,
      anomalyPrecision: 1,
      anomalyRecall: 1,
      timeToAlertP50Ms: 0,
      timeToAlertP95Ms: 150,
      latencyP50Ms: 20,
      latencyP99Ms: 30,
      events: 42,
    });
    expect(report.details.anomalies.notScored).toEqual([`edge-restart@${iso(0)}`]);
    expect(Object.keys(report).slice(0, REPORT_KEYS.length)).toEqual([...REPORT_KEYS]);
    expect(report).toMatchObject({ taskPrecision: 1, taskRecall: 1, stockAlertPrecision: 1, stockAlertRecall: 1 });
  });

  it("loses recall for a missing movement and precision for a duplicate one", () => {
    const observed = perfect();
    const [first, second] = observed.movements;
    if (first === undefined || second === undefined) throw new Error("fixture");
    observed.movements = [first, { ...first, id: "dup" }, ...observed.movements.slice(2)];
    const report = scoreRun(truth, observed);
    expect(report.movementPrecision).toBeCloseTo(2 / 3);
    expect(report.movementRecall).toBeCloseTo(2 / 3);
  });

  it("matches on epc, quantities and locations", () => {
    const observed = perfect();
    observed.movements = observed.movements.map((m) =>
      m.movementType === "PUTAWAY" ? { ...m, to: "S/P/2" } : { ...m, epc: `${m.epc}0` },
    );
    expect(scoreRun(truth, observed).movementPrecision).toBe(0);
  });

  it("takes a recorded RECEIPT for a true RETURN", () => {
    expect(movementKey({ movementType: "RETURN", sku: "A", qty: 1, to: "S/D/1" })).toBe(
      movementKey({ movementType: "RECEIPT", sku: "A", qty: 1, to: "S/D/1" }),
    );
  });

  it("counts inventory over the union of true and recorded positions, lots summed", () => {
    const observed = perfect();
    observed.positions = [
      { sku: "WIDGET", location: "S/P/1", qty: 1 },
      { sku: "WIDGET", location: "S/P/1", qty: 1 },
      { sku: "WIDGET", location: "S/D/1", qty: 3 },
    ];
    expect(scoreRun(truth, observed).inventoryAccuracy).toBe(0.5);
  });

  it("misses an anomaly with no matching signal and counts a stray signal against precision", () => {
    const observed = perfect();
    observed.signals = [
      { source: "task", id: "t9", type: "UNKNOWN_TAG", location: "S/D/2", raisedAt: iso(100) },
      { source: "alert", id: "a1", type: "TEMPERATURE_EXCURSION", location: "S/C/1", raisedAt: iso(1000) },
    ];
    const report = scoreRun(truth, observed);
    expect(report.anomalyRecall).toBe(0.5);
    expect(report.anomalyPrecision).toBe(0.5);
  });

  it("takes a COUNT_MISMATCH no fault explains as right only where the ledger is wrong at the end", () => {
    const observed = perfect();
    // The ledger ends with 3 WIDGET at S/P/1 where there are 2; at S/P/9 both say none.
    observed.positions = [{ sku: "WIDGET", location: "S/P/1", qty: 3 }];
    observed.signals = [
      ...observed.signals,
      { source: "task", id: "c1", type: "COUNT_MISMATCH", location: "S/P/1", sku: "WIDGET", raisedAt: iso(500) },
      { source: "task", id: "c2", type: "COUNT_MISMATCH", location: "S/P/9", sku: "WIDGET", raisedAt: iso(500) },
    ];
    const report = scoreRun(truth, observed);
    expect(report.details.anomalies).toMatchObject({ signals: 4, signalsMatched: 3 });
    expect(report.taskPrecision).toBeCloseTo(2 / 3);
  });

  it("measures latency and time to alert on the wall clock when the play stamped its own clock", () => {
    // A play at max: device times an hour before the wall clock, and 1 s of device time took 10 ms of wall clock.
    const H = 3_600_000;
    const clock = [
      { deviceMs: T0 - H, wallMs: T0 },
      { deviceMs: T0 - H + 1000, wallMs: T0 + 10 },
      { deviceMs: T0 - H + 2000, wallMs: T0 + 20 },
    ];
    const shift = (at: string) => new Date(Date.parse(at) - H).toISOString();
    const played: GroundTruth = {
      ...truth,
      clock,
      movements: truth.movements.map((m) => ({ ...m, occurredAt: shift(m.occurredAt) })),
      excursions: truth.excursions.map((e) => ({ ...e, startedAt: shift(e.startedAt) })),
      faults: truth.faults?.map((f) => ({ ...f, startedAt: shift(f.startedAt) })),
    };
    const observed = perfect();
    observed.movements = observed.movements.map((m) => ({ ...m, occurredAt: shift(m.occurredAt) }));
    observed.signals = observed.signals.map((s) => ({ ...s, raisedAt: shift(s.raisedAt) }));
    const report = scoreRun(played, observed);
    // Commits at T0 + 10..30 of movements sent at T0: as fast as in real time, not an hour late.
    expect(report).toMatchObject({ movementRecall: 1, anomalyRecall: 1, latencyP50Ms: 20, latencyP99Ms: 30 });
    // The unknown tags (device time 0 → wall T0) committed at T0 + 150; the excursion (device 1 s → T0 + 10)
    // has no commit time, so its device time 1 s is mapped too: 0.
    expect([report.timeToAlertP50Ms, report.timeToAlertP95Ms]).toEqual([0, 150]);
  });

  it("maps device time to the wall clock between and beyond the play's samples", () => {
    const wallOf = wallClockOf([
      { deviceMs: 1000, wallMs: 50_000 },
      { deviceMs: 3000, wallMs: 50_100 },
      { deviceMs: 5000, wallMs: 50_110 },
    ]);
    expect([wallOf(1000), wallOf(2000), wallOf(3000), wallOf(4000), wallOf(5000)]).toEqual([
      50_000, 50_050, 50_100, 50_105, 50_110,
    ]);
    expect([wallOf(0), wallOf(6000)]).toEqual([49_000, 51_110]);
    expect(wallClockOf(undefined)(1234)).toBe(1234);
    expect(wallClockOf([])(1234)).toBe(1234);
  });

  it("counts movements of tags that were only parked in a read field", () => {
    const P = "urn:epc:id:sgtin:0614141.000001.99";
    const parked: GroundTruth = {
      ...truth,
      faults: [
        ...(truth.faults ?? []),
        { kind: "parked-tags", atMs: 0, detail: "", detectedBy: [], startedAt: iso(0), injected: true, epcs: [P] },
      ],
    };
    expect(scoreRun(parked, perfect()).details.movements).toMatchObject({ parkedTags: 1, fromParkedTags: 0 });
    const observed = perfect();
    observed.movements.push({
      id: "p",
      movementType: "RECEIPT",
      sku: "WIDGET",
      qty: 1,
      to: "S/D/1",
      epc: P,
      occurredAt: iso(0),
    });
    const report = scoreRun(parked, observed);
    expect(report.details.movements).toMatchObject({ parkedTags: 1, fromParkedTags: 1 });
    expect(report.movementPrecision).toBeCloseTo(3 / 4);
    expect(formatReport(report)).toContain("1 from 1 parked tags");
    // A parked tag that leaves through the door at last has one true movement: recording it is right.
    const leaves: GroundTruth = {
      ...parked,
      movements: [...truth.movements, tm({ movementType: "RECEIPT", to: "S/D/1", epc: P })],
      positions: [...truth.positions, { sku: "WIDGET", location: "S/D/1", qty: 1 }],
    };
    expect(scoreRun(leaves, observed).details.movements).toMatchObject({ fromParkedTags: 0, matched: 4 });
    observed.movements.push({
      id: "p2",
      movementType: "RECEIPT",
      sku: "WIDGET",
      qty: 1,
      to: "S/D/1",
      epc: P,
      occurredAt: iso(9),
    });
    expect(scoreRun(leaves, observed).details.movements).toMatchObject({ fromParkedTags: 1 });
  });

  it("counts movements of lingering, staged and aborted tags per fault kind, and whether staged tags crossed once, on time", () => {
    const L = "urn:epc:id:sgtin:0614141.000001.50"; // lingering, never goes through
    const S = "urn:epc:id:sgtin:0614141.000001.51"; // in the staging lane
    const A = "urn:epc:id:sgtin:0614141.000001.52"; // brought close, taken away, then through at 60 s
    const G = "urn:epc:id:sgtin:0614141.000001.53"; // staged, then loaded through the door at 30 s
    const fault = (kind: string, epcs: string[], crosses?: true) => ({
      kind,
      atMs: 0,
      detail: "",
      detectedBy: [],
      startedAt: iso(0),
      injected: true,
      epcs,
      ...(crosses && { crosses }),
    });
    // Crossings at the middle of a 2 s pass: the tolerance is that pass's length.
    const crossing = (atMs: number) => ({ atMs, crossedAt: iso(atMs + 1000), crossingToleranceMs: 2000 });
    const hard: GroundTruth = {
      ...truth,
      movements: [
        ...truth.movements,
        tm({ movementType: "RECEIPT", to: "S/D/1", epc: A, ...crossing(60_000) }),
        tm({ movementType: "RECEIPT", to: "S/D/1", epc: G, ...crossing(30_000) }),
      ],
      faults: [
        ...(truth.faults ?? []),
        fault("parked-tags", [L]),
        fault("staging-lane", [S]),
        fault("aborted-pass", [A], true),
        fault("parked-tags", [G], true),
      ],
    };
    const move = (id: string, epc: string, atMs: number): RecordedMovement => ({
      id,
      movementType: "RECEIPT",
      sku: "WIDGET",
      qty: 1,
      to: "S/D/1",
      epc,
      occurredAt: iso(atMs),
    });
    // A correct edge: A and G once each, at their crossings (within the pass), nothing of L and S.
    const right = perfect();
    right.movements.push(move("a", A, 61_400), move("g", G, 30_700));
    const good = scoreRun(hard, right);
    expect(good.details.movements).toMatchObject({ parkedTags: 4, fromParkedTags: 0 });
    expect(good.details.standingTags).toEqual({
      "parked-tags": { tags: 2, movements: 0 },
      "staging-lane": { tags: 1, movements: 0 },
      "aborted-pass": { tags: 1, movements: 0 },
    });
    expect(good.details.crossings).toEqual({ tags: 2, movedOnce: 2, atCrossingTime: 2 });
    expect(formatReport(good)).toContain("moved once 2/2, at their crossing time 2/2");

    // A fooled edge: L and S received while they stand, A received as it turned back (and again when it went
    // through), G received at the start of its staging instead of its crossing (a reader clock 4 s off).
    const wrong = perfect();
    wrong.movements.push(
      move("l", L, 5000),
      move("s", S, 7000),
      move("a1", A, 2000),
      move("a2", A, 61_000),
      move("g", G, 31_000 + 4000),
    );
    const bad = scoreRun(hard, wrong);
    expect(bad.details.movements).toMatchObject({ parkedTags: 4, fromParkedTags: 3 });
    expect(bad.details.standingTags).toEqual({
      "parked-tags": { tags: 2, movements: 1 },
      "staging-lane": { tags: 1, movements: 1 },
      "aborted-pass": { tags: 1, movements: 1 },
    });
    expect(bad.details.crossings).toEqual({ tags: 2, movedOnce: 1, atCrossingTime: 0 });
    expect(bad.movementPrecision).toBeLessThan(1);
  });

  it("reports null times when nothing was measured", () => {
    const observed: ObservedState = { positions: [], movements: [], signals: [] };
    const report = scoreRun(truth, observed);
    expect(report).toMatchObject({ latencyP50Ms: null, timeToAlertP50Ms: null, movementRecall: 0 });
  });
});

describe("scoreRun: expected tasks and stock alerts", () => {
  const A = "urn:epc:id:sgtin:9999999.000001.1";
  const B = "urn:epc:id:sgtin:9999999.000001.2";
  const withTasks: GroundTruth = {
    ...truth,
    faults: [
      // Scored through its tasks, not as one anomaly.
      { ...(truth.faults?.[0] as NonNullable<GroundTruth["faults"]>[number]), scoredBy: "tasks" },
    ],
    excursions: [],
    tasks: [
      { taskType: "UNKNOWN_TAG", location: "S/D/1", epc: A, atMs: 0, occurredAt: iso(0), detail: "" },
      { taskType: "UNKNOWN_TAG", location: "S/D/1", epc: B, atMs: 0, occurredAt: iso(0), detail: "" },
      { taskType: "MISSING_EXPECTED", location: "S/D/1", sku: "WIDGET", atMs: 5000, occurredAt: iso(5000), detail: "" },
    ],
    stockLows: [{ sku: "WIDGET", location: "S/P/1", reorderPoint: 5, atMs: 0, startedAt: iso(3000) }],
  };
  const task = (id: string, type: string, more: Partial<RecordedSignal>): RecordedSignal => ({
    source: "task",
    id,
    type,
    location: "S/D/1",
    raisedAt: iso(6000),
    ...more,
  });

  it("matches raised tasks one to one with expected ones by type, location, tag and SKU", () => {
    const observed = perfect();
    observed.signals = [
      task("t1", "UNKNOWN_TAG", { epc: A }),
      task("t2", "UNKNOWN_TAG", { epc: A }), // the same tag twice: one is extra
      task("t3", "MISSING_EXPECTED", { sku: "WIDGET" }),
      task("t4", "MISSING_EXPECTED", { sku: "WIDGET", location: "S/D/2" }), // wrong door
    ];
    const report = scoreRun(withTasks, observed);
    expect(report.taskRecall).toBeCloseTo(2 / 3);
    expect(report.taskPrecision).toBe(0.5);
    expect(report.details.tasks).toEqual({
      UNKNOWN_TAG: { expected: 2, raised: 2, matched: 1 },
      MISSING_EXPECTED: { expected: 1, raised: 2, matched: 1 },
    });
    // Every expected task is an anomaly; the fault they stand for is not counted again.
    expect(report.details.anomalies).toMatchObject({ scored: 3, detected: 2, signals: 4, signalsMatched: 2 });
    expect(report.details.anomalies.notScored).toEqual([]);
    expect(report.anomalyRecall).toBeCloseTo(2 / 3);
  });

  it("does not take a task raised before its cause for it", () => {
    const observed = perfect();
    observed.signals = [task("t3", "MISSING_EXPECTED", { sku: "WIDGET", raisedAt: iso(1000) })];
    expect(scoreRun(withTasks, observed).details.tasks.MISSING_EXPECTED).toMatchObject({ matched: 0 });
  });

  it("judges stock alerts by the true stock and keeps them out of the anomaly figures", () => {
    const observed = perfect();
    const alert = (id: string, type: string, more: Partial<RecordedSignal>): RecordedSignal => ({
      source: "alert",
      id,
      type,
      location: "S/P/1",
      sku: "WIDGET",
      raisedAt: iso(4000),
      ...more,
    });
    observed.signals = [
      task("t1", "UNKNOWN_TAG", { epc: A }),
      task("t2", "UNKNOWN_TAG", { epc: B }),
      task("t3", "MISSING_EXPECTED", { sku: "WIDGET" }),
      alert("s1", "LOW_STOCK", {}), // true stock was low there since 3 s
      alert("s2", "LOW_STOCK", { raisedAt: iso(500) }), // before it was
      alert("s3", "LOW_STOCK", { sku: "GADGET" }), // never low
      alert("s4", "NEGATIVE_STOCK", {}), // true stock never is
    ];
    const report = scoreRun(withTasks, observed);
    expect(report.stockAlertPrecision).toBe(0.25);
    expect(report.stockAlertRecall).toBe(1);
    expect(report.details.stockAlerts).toEqual({ raised: 4, justified: 1, lows: 1, alerted: 1 });
    expect(report).toMatchObject({ anomalyPrecision: 1, anomalyRecall: 1, taskPrecision: 1, taskRecall: 1 });
    observed.signals = observed.signals.filter((s) => s.id !== "s1");
    expect(scoreRun(withTasks, observed).stockAlertRecall).toBe(0);
  });
});

describe("percentile", () => {
  it("is nearest-rank", () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([], 50)).toBeNull();
  });
});

describe("formatReport", () => {
  it("prints a table with every figure", () => {
    const text = formatReport(scoreRun(truth, perfect()));
    expect(text).toMatch(/inventory accuracy +100\.0 %/);
    expect(text).toContain("task recall");
    expect(text).toContain("stock alert precision");
    expect(text).toContain("latency p99");
    expect(text).toContain("not scored: edge-restart");
    expect(progressBar(0.5, 1234, 12_000, 10)).toBe("[#####-----]  50 % · 1,234 events · 12 s");
  });
});
