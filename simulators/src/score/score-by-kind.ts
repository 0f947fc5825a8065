import type { Detection, TrueFault } from "../scenario.js";
import type { RecordedSignal } from "./score-run.js";

/**
 * How long after an injected fault (after its end, for one with a span) a
 * matching signal still counts as detecting it, ms of device time. A
 * signal carries the device time of its cause (the scan, the settled
 * weight), so this bounds how far the edge may misplace a cause, not how
 * long it may take.
 */
export const DETECTION_WITHIN_MS = 60_000;

/** Clock slack when a signal's device time is compared with a fault's start, ms. */
const SLACK_MS = 2000;

/**
 * Signals that say a shelf's weight and the ledger or a scan disagree (or
 * that a cell cannot be trusted): each must be explained by an injected
 * fault, or it is a false weight mismatch.
 */
export const WEIGHT_SIGNAL_TYPES: ReadonlySet<string> = new Set([
  "SCAN_SHELF_QTY_MISMATCH",
  "SCAN_WITHOUT_SHELF_CHANGE",
  "WEIGHT_NOT_WHOLE_UNITS",
  "SUSPECTED_THEFT",
  "LOAD_CELL_FAULT",
]);

/** Per fault kind: faults injected with something that can detect them, and those detected in time. */
export interface KindScore {
  injected: number;
  detected: number;
  /** detected / injected (1 when none). */
  recall: number;
  /** The bound a detection had to meet: its device time within this of the fault (its end), ms. */
  withinMs: number;
}

export interface KindReport {
  byKind: Record<string, KindScore>;
  /** Weight signals (`WEIGHT_SIGNAL_TYPES`) raised in all. */
  weightSignals: number;
  /** Weight signals no injected fault explains (type, place and time), as `TYPE@location@raisedAt`. */
  falseWeightMismatches: string[];
}

const matchesDetection = (s: RecordedSignal, d: Detection): boolean =>
  d.source === s.source && d.type === s.type && (d.location === undefined || d.location === s.location);

/** Whether `s` detects `f`: one of its detections, raised from its start to `withinMs` after its end. */
export function detects(s: RecordedSignal, f: TrueFault, withinMs: number = DETECTION_WITHIN_MS): boolean {
  const at = Date.parse(s.raisedAt);
  const start = Date.parse(f.startedAt);
  const end = f.endedAt === undefined ? start : Date.parse(f.endedAt);
  return at >= start - SLACK_MS && at <= end + withinMs && f.detectedBy.some((d) => matchesDetection(s, d));
}

/**
 * Recall per fault kind (a fault is detected by a task or alert it lists,
 * at its place, within `DETECTION_WITHIN_MS`), and the weight signals no
 * injected fault explains. Faults not injected, or that nothing could
 * detect, are not counted. Pure.
 */
export function scoreByKind(faults: readonly TrueFault[], signals: readonly RecordedSignal[]): KindReport {
  const scored = faults.filter((f) => f.injected && f.detectedBy.length > 0 && f.scoredBy !== "cold-chain");
  const byKind: Record<string, KindScore> = {};
  for (const f of scored) {
    const row = byKind[f.kind] ?? { injected: 0, detected: 0, recall: 1, withinMs: DETECTION_WITHIN_MS };
    byKind[f.kind] = row;
    row.injected++;
    if (signals.some((s) => detects(s, f))) row.detected++;
    row.recall = row.detected / row.injected;
  }
  const weight = signals.filter((s) => WEIGHT_SIGNAL_TYPES.has(s.type));
  const unexplained = weight.filter((s) => !scored.some((f) => detects(s, f)));
  return {
    byKind,
    weightSignals: weight.length,
    falseWeightMismatches: unexplained.map((s) => `${s.type}@${s.location ?? "-"}@${s.raisedAt}`),
  };
}
