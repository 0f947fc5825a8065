import { describe, expect, it } from "vitest";
import type { TrueFault } from "../scenario.js";
import { formatReport } from "./format-report.js";
import { DETECTION_WITHIN_MS, scoreByKind } from "./score-by-kind.js";
import type { RecordedSignal } from "./score-run.js";
import { scoreRun } from "./score-run.js";

const T0 = Date.parse("2026-11-22T08:00:00.000Z");
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const A1 = "S/P/A1";
const B1 = "S/P/B1";

const fault = (kind: string, atMs: number, location: string, type: string, endMs?: number): TrueFault => ({
  kind,
  atMs,
  ...(endMs !== undefined && { endMs, endedAt: iso(endMs) }),
  location,
  detail: "",
  detectedBy: [{ source: type === "SUSPECTED_THEFT" || type === "LOAD_CELL_FAULT" ? "alert" : "task", type, location }],
  startedAt: iso(atMs),
  injected: true,
});

let n = 0;
const signal = (type: string, location: string, atMs: number): RecordedSignal => ({
  source: type === "SUSPECTED_THEFT" || type === "LOAD_CELL_FAULT" ? "alert" : "task",
  id: `s${n++}`,
  type,
  location,
  raisedAt: iso(atMs),
});

const faults = [
  fault("theft", 60_000, A1, "SUSPECTED_THEFT"),
  fault("theft", 120_000, B1, "SUSPECTED_THEFT"),
  fault("mis-pick", 180_000, A1, "SCAN_SHELF_QTY_MISMATCH"),
  fault("load-cell-fault", 240_000, B1, "LOAD_CELL_FAULT", 300_000),
];

describe("scoreByKind", () => {
  it("counts a fault detected by a signal it lists, at its bin, from its start to withinMs after its end", () => {
    const report = scoreByKind(faults, [
      signal("SUSPECTED_THEFT", A1, 60_500),
      // The right type at the wrong bin detects nothing, and so does one raised long after.
      signal("SUSPECTED_THEFT", A1, 120_500),
      signal("SCAN_SHELF_QTY_MISMATCH", A1, 180_000 + DETECTION_WITHIN_MS + 1),
      // Within the bound of the fault's end, not of its start.
      signal("LOAD_CELL_FAULT", B1, 300_000 + DETECTION_WITHIN_MS - 1),
    ]);
    expect(report.byKind).toEqual({
      theft: { injected: 2, detected: 1, recall: 0.5, withinMs: DETECTION_WITHIN_MS },
      "mis-pick": { injected: 1, detected: 0, recall: 0, withinMs: DETECTION_WITHIN_MS },
      "load-cell-fault": { injected: 1, detected: 1, recall: 1, withinMs: DETECTION_WITHIN_MS },
    });
  });

  it("calls a weight signal no injected fault explains a false weight mismatch, and ignores other signals", () => {
    const report = scoreByKind(faults, [
      signal("SUSPECTED_THEFT", A1, 60_500),
      signal("SCAN_WITHOUT_SHELF_CHANGE", B1, 10_000),
      signal("WEIGHT_NOT_WHOLE_UNITS", A1, 200_000),
      signal("UNKNOWN_TAG", "S/D/1", 10_000),
    ]);
    expect(report.weightSignals).toBe(3);
    expect(report.falseWeightMismatches).toEqual([
      `SCAN_WITHOUT_SHELF_CHANGE@${B1}@${iso(10_000)}`,
      `WEIGHT_NOT_WHOLE_UNITS@${A1}@${iso(200_000)}`,
    ]);
  });

  it("leaves out faults not injected or that nothing can detect", () => {
    const report = scoreByKind(
      [{ ...faults[0], injected: false } as TrueFault, { ...faults[1], detectedBy: [] } as TrueFault],
      [],
    );
    expect(report.byKind).toEqual({});
  });

  it("is in the run's report, per kind, and its table", () => {
    const report = scoreRun(
      { scenario: "s", movements: [], positions: [], excursions: [], faults, events: 1 },
      { positions: [], movements: [], signals: [signal("SUSPECTED_THEFT", A1, 61_000)] },
    );
    expect(report.details.anomalies.byKind.theft).toMatchObject({ injected: 2, detected: 1 });
    expect(report.details.falseWeightMismatches).toEqual([]);
    const table = formatReport(report);
    expect(table).toMatch(/theft recall\s+50\.0 %\s+1\/2 detected within 60 s/);
    expect(table).toMatch(/false weight mismatches\s+0\s+of 1 weight signals/);
  });
});
