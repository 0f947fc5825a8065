import type { Detection, GroundTruth } from "../scenario.js";

/** A movement as the cloud's ledger holds it (`GET /v1/movements`). */
export interface RecordedMovement {
  id: string;
  movementType: string;
  sku: string;
  qty: number;
  from?: string;
  to?: string;
  epc?: string;
  occurredAt: string;
}

/** An alert (`GET /v1/alerts`) or a correction task (`GET /v1/tasks`), reduced to what detection needs. */
export interface RecordedSignal {
  source: "alert" | "task";
  id: string;
  type: string;
  location?: string;
  /** Device time it was raised (alert `raisedAt`, task `occurredAt`), ISO 8601. */
  raisedAt: string;
  /** Wall clock when the cloud committed it, ms since the epoch, when known. */
  committedAtMs?: number;
}

/** The cloud's real state after a play. */
export interface ObservedState {
  positions: { sku: string; location: string; qty: number }[];
  movements: RecordedMovement[];
  signals: RecordedSignal[];
  /** When the cloud committed an event, by event id (ms since the epoch); from commit acknowledgements. */
  commitTimes?: ReadonlyMap<string, number>;
}

/** The report's keys, in order (issue 4 names them); `details` follows. */
export const REPORT_KEYS = [
  "inventoryAccuracy",
  "movementPrecision",
  "movementRecall",
  "anomalyPrecision",
  "anomalyRecall",
  "timeToAlertP50Ms",
  "timeToAlertP95Ms",
  "latencyP50Ms",
  "latencyP99Ms",
  "events",
] as const;

/** The scorer's answer. Ratios are 0–1; times in ms; `null` when nothing could be measured. */
export interface ScoreReport {
  inventoryAccuracy: number;
  movementPrecision: number;
  movementRecall: number;
  anomalyPrecision: number;
  anomalyRecall: number;
  timeToAlertP50Ms: number | null;
  timeToAlertP95Ms: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  events: number;
  details: {
    scenario: string;
    positions: { true: number; recorded: number; exact: number; union: number };
    movements: { true: number; recorded: number; matched: number };
    anomalies: { scored: number; detected: number; signals: number; signalsMatched: number; notScored: string[] };
    latencySamples: number;
  };
}

/** Something the system should have raised: an injected fault with detections, or a true temperature excursion. */
interface Anomaly {
  kind: string;
  startMs: number;
  detectedBy: Detection[];
}

/** Clock slack when a signal's device time is compared with an anomaly's start, ms. */
const SLACK_MS = 2000;

/**
 * Canonical movement key for matching: type, SKU, from, to, qty, and EPC
 * where the recorded or true movement has one. A true RETURN also matches a
 * recorded RECEIPT (the wire has no return scan or RMA yet).
 */
export function movementKey(m: {
  movementType: string;
  sku: string;
  qty: number;
  from?: string | undefined;
  to?: string | undefined;
  epc?: string | undefined;
}): string {
  const type = m.movementType === "RETURN" ? "RECEIPT" : m.movementType;
  return [type, m.sku, m.from ?? "", m.to ?? "", m.qty, m.epc ?? ""].join("\u0000");
}

/** Nearest-rank percentile of `values` (0 < p ≤ 100); null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

const ratio = (n: number, d: number): number => (d === 0 ? 1 : n / d);

/**
 * Compares what the cloud holds with what really happened. Pure.
 *
 * - inventoryAccuracy: SKU×location positions with exactly the true qty, over
 *   the union of true and recorded non-zero positions (lots summed).
 * - movementPrecision / movementRecall: multiset match on `movementKey`
 *   (time is not compared): matched / recorded, matched / true.
 * - anomalyRecall: scored anomalies (injected faults that some Tally signal
 *   could detect, plus true temperature excursions no fault explains) with at
 *   least one matching alert or task (same kind, same location when the
 *   fault names one, raised no earlier than the start); anomalyPrecision:
 *   alerts + tasks that match some anomaly / all alerts + tasks.
 * - timeToAlert: from an anomaly's true start to the commit of its first
 *   matching signal (its device time when the commit time is unknown).
 * - latency: from a recorded movement's device time to its commit.
 * A ratio with nothing to count (0/0) is 1.
 */
export function scoreRun(truth: GroundTruth, observed: ObservedState): ScoreReport {
  // Inventory.
  const sum = (list: { sku: string; location: string; qty: number }[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const p of list) {
      const k = `${p.sku}\u0000${p.location}`;
      m.set(k, (m.get(k) ?? 0) + p.qty);
    }
    for (const [k, q] of m) if (q === 0) m.delete(k);
    return m;
  };
  const truePos = sum(truth.positions);
  const recPos = sum(observed.positions);
  const union = new Set([...truePos.keys(), ...recPos.keys()]);
  let exact = 0;
  for (const k of union) if (truePos.get(k) === recPos.get(k)) exact++;

  // Movements.
  const wanted = new Map<string, number>();
  for (const m of truth.movements) {
    const k = movementKey(m);
    wanted.set(k, (wanted.get(k) ?? 0) + 1);
  }
  let matched = 0;
  for (const m of observed.movements) {
    const k = movementKey(m);
    const left = wanted.get(k) ?? 0;
    if (left > 0) {
      matched++;
      wanted.set(k, left - 1);
    }
  }

  // Anomalies.
  const faults = truth.faults ?? [];
  const anomalies: Anomaly[] = [];
  const notScored: string[] = [];
  for (const f of faults) {
    if (!f.injected || f.detectedBy.length === 0) {
      notScored.push(`${f.kind}@${f.startedAt}`);
      continue;
    }
    anomalies.push({ kind: f.kind, startMs: Date.parse(f.startedAt), detectedBy: f.detectedBy });
  }
  for (const e of truth.excursions) {
    const startMs = Date.parse(e.startedAt);
    const explained = faults.some(
      (f) =>
        f.kind === "freezer-door-open" &&
        f.deviceId === e.deviceId &&
        startMs >= Date.parse(f.startedAt) - SLACK_MS &&
        (f.endedAt === undefined || startMs <= Date.parse(f.endedAt)),
    );
    if (explained) continue;
    anomalies.push({
      kind: "temperature-excursion",
      startMs,
      detectedBy: [{ source: "alert", type: "TEMPERATURE_EXCURSION", location: e.location }],
    });
  }
  const signalTime = (s: RecordedSignal): number => Date.parse(s.raisedAt);
  const matches = (s: RecordedSignal, a: Anomaly): boolean =>
    signalTime(s) >= a.startMs - SLACK_MS &&
    a.detectedBy.some(
      (d) => d.source === s.source && d.type === s.type && (d.location === undefined || d.location === s.location),
    );
  let detected = 0;
  const timesToAlert: number[] = [];
  for (const a of anomalies) {
    const hits = observed.signals.filter((s) => matches(s, a));
    if (hits.length === 0) continue;
    detected++;
    const first = Math.min(...hits.map((s) => s.committedAtMs ?? signalTime(s)));
    timesToAlert.push(Math.max(0, first - a.startMs));
  }
  const signalsMatched = observed.signals.filter((s) => anomalies.some((a) => matches(s, a))).length;

  // Latency: device time → commit.
  const latencies: number[] = [];
  if (observed.commitTimes !== undefined) {
    for (const m of observed.movements) {
      const committed = observed.commitTimes.get(m.id);
      if (committed !== undefined) latencies.push(Math.max(0, committed - Date.parse(m.occurredAt)));
    }
  }

  return {
    inventoryAccuracy: ratio(exact, union.size),
    movementPrecision: ratio(matched, observed.movements.length),
    movementRecall: ratio(matched, truth.movements.length),
    anomalyPrecision: ratio(signalsMatched, observed.signals.length),
    anomalyRecall: ratio(detected, anomalies.length),
    timeToAlertP50Ms: percentile(timesToAlert, 50),
    timeToAlertP95Ms: percentile(timesToAlert, 95),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    events: truth.events,
    details: {
      scenario: truth.scenario,
      positions: { true: truePos.size, recorded: recPos.size, exact, union: union.size },
      movements: { true: truth.movements.length, recorded: observed.movements.length, matched },
      anomalies: {
        scored: anomalies.length,
        detected,
        signals: observed.signals.length,
        signalsMatched,
        notScored,
      },
      latencySamples: latencies.length,
    },
  };
}
