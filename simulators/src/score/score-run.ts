import type { Detection, GroundTruth } from "../scenario.js";
import { type KindReport, scoreByKind } from "./score-by-kind.js";
import { type ColdChainReport, type ObservedColdChain, scoreColdChain } from "./score-cold-chain.js";

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
  /** The SKU it names (tasks, stock alerts), when it names one. */
  sku?: string;
  /** The tag it is about (tasks), when it names one. */
  epc?: string;
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
  /** Temperature excursion alerts with each raise, rate alerts, excursion records and their stock at risk. */
  coldChain?: ObservedColdChain;
}

/** The report's keys, in order; `details` follows. */
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
  "taskPrecision",
  "taskRecall",
  "stockAlertPrecision",
  "stockAlertRecall",
] as const;

/** Alerts the ledger raises from recorded stock: business signals, scored apart from anomalies. */
export const STOCK_ALERT_KINDS: ReadonlySet<string> = new Set(["LOW_STOCK", "NEGATIVE_STOCK"]);

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
  /** Correction tasks that match an expected task (or an injected fault's detection) / tasks raised. */
  taskPrecision: number;
  /** Expected correction tasks (one per tag or document line) raised / expected. */
  taskRecall: number;
  /** Stock alerts (LOW_STOCK, NEGATIVE_STOCK) the true stock justifies / stock alerts raised. */
  stockAlertPrecision: number;
  /** SKU×location pairs whose true stock fell below the reorder point that got a LOW_STOCK alert / such pairs. */
  stockAlertRecall: number;
  details: {
    scenario: string;
    positions: { true: number; recorded: number; exact: number; union: number };
    /**
     * `parkedTags`: tags that stood in or came into a read field without going through it then (parked,
     * lingering, in a staging lane, brought close and taken away); `fromParkedTags`: recorded movements of
     * those tags beyond their true ones (a correct edge makes none while they stand or turn back; one if
     * they go through at last).
     */
    movements: { true: number; recorded: number; matched: number; parkedTags: number; fromParkedTags: number };
    /** `parkedTags` and `fromParkedTags` per fault kind (`parked-tags`, `staging-lane`, `aborted-pass`). */
    standingTags: Record<string, { tags: number; movements: number }>;
    /**
     * Tags that stood or turned back and then really went through the door (staged then loaded, brought
     * close then through): `tags` of them; `movedOnce`: recorded exactly as often as they crossed (once);
     * `atCrossingTime`: of those, recorded within the crossing's tolerance (its pass length) of when
     * they crossed.
     */
    crossings: { tags: number; movedOnce: number; atCrossingTime: number };
    anomalies: {
      scored: number;
      detected: number;
      signals: number;
      signalsMatched: number;
      notScored: string[];
      /** Recall per injected fault kind, a detection counting within `withinMs` of the fault. */
      byKind: KindReport["byKind"];
    };
    /** Weight signals raised, and those no injected fault explains (`TYPE@location@raisedAt`). */
    weightSignals: number;
    falseWeightMismatches: string[];
    /** Per task type: expected by the truth, raised by the system, raised and expected. */
    tasks: Record<string, { expected: number; raised: number; matched: number }>;
    stockAlerts: { raised: number; justified: number; lows: number; alerted: number };
    latencySamples: number;
  };
  /**
   * Temperature excursions judged against their grace periods: alerted in time, missed, spikes alerted
   * (false), stock at risk per excursion. Present when the cloud was read for it and the truth has
   * temperature sensors.
   */
  coldChain?: ColdChainReport;
}

/** Something the system should have raised: an injected fault with detections, or a true temperature excursion. */
interface Anomaly {
  kind: string;
  startMs: number;
  detectedBy: Detection[];
}

/**
 * Faults whose tags stand in or come into a read field without going through it then: a correct edge
 * moves none of them beyond their true crossing (if they go through at last).
 */
export const STANDING_FAULT_KINDS: ReadonlySet<string> = new Set(["parked-tags", "staging-lane", "aborted-pass"]);

/** Faults that drive a sensor out of its range on purpose: the excursion is theirs, scored with them. */
const TEMPERATURE_FAULT_KINDS: ReadonlySet<string> = new Set([
  "freezer-door-open",
  "slow-warming",
  "temperature-spike",
]);

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
 * Device time → wall clock through a play's sampled clock (`GroundTruth.clock`),
 * linear between samples and shifted past the ends; identity without one.
 */
export function wallClockOf(clock: GroundTruth["clock"]): (deviceMs: number) => number {
  const first = clock?.[0];
  const last = clock?.at(-1);
  if (clock === undefined || first === undefined || last === undefined) return (deviceMs) => deviceMs;
  return (deviceMs) => {
    if (deviceMs <= first.deviceMs) return first.wallMs + (deviceMs - first.deviceMs);
    if (deviceMs >= last.deviceMs) return last.wallMs + (deviceMs - last.deviceMs);
    // The first sample at or after deviceMs; the one before it is earlier.
    let lo = 1;
    let hi = clock.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((clock[mid]?.deviceMs ?? 0) < deviceMs) lo = mid + 1;
      else hi = mid;
    }
    const after = clock[lo] ?? last;
    const before = clock[lo - 1] ?? first;
    const f = (deviceMs - before.deviceMs) / (after.deviceMs - before.deviceMs);
    return before.wallMs + f * (after.wallMs - before.wallMs);
  };
}

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
 * Both are on the wall clock: device times go through the play's clock (`wallClockOf`).
 * A ratio with nothing to count (0/0) is 1.
 */
export function scoreRun(truth: GroundTruth, observed: ObservedState): ScoreReport {
  const wallOf = wallClockOf(truth.clock);
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

  // Movements of tags that stood or turned back, beyond their true ones (a tag that goes through at last has one).
  const standingFaults = (truth.faults ?? []).filter((f) => STANDING_FAULT_KINDS.has(f.kind));
  const parked = new Set(standingFaults.flatMap((f) => f.epcs ?? []));
  const recordedOf = new Map<string, RecordedMovement[]>();
  for (const m of observed.movements) {
    if (m.epc === undefined || !parked.has(m.epc)) continue;
    const list = recordedOf.get(m.epc);
    if (list === undefined) recordedOf.set(m.epc, [m]);
    else list.push(m);
  }
  const trueOf = new Map<string, GroundTruth["movements"]>();
  for (const m of truth.movements) {
    if (m.epc === undefined || !parked.has(m.epc)) continue;
    const list = trueOf.get(m.epc);
    if (list === undefined) trueOf.set(m.epc, [m]);
    else list.push(m);
  }
  const excessOf = (epc: string): number =>
    Math.max(0, (recordedOf.get(epc)?.length ?? 0) - (trueOf.get(epc)?.length ?? 0));
  const fromParkedTags = [...parked].reduce((n, epc) => n + excessOf(epc), 0);
  const standingTags: ScoreReport["details"]["standingTags"] = {};
  for (const f of standingFaults) {
    const row = standingTags[f.kind] ?? { tags: 0, movements: 0 };
    standingTags[f.kind] = row;
    for (const epc of f.epcs ?? []) {
      row.tags++;
      row.movements += excessOf(epc);
    }
  }
  // Those that went through at last: moved as often as they crossed, each at its crossing time.
  const crossings = { tags: 0, movedOnce: 0, atCrossingTime: 0 };
  for (const f of standingFaults) {
    if (f.crosses !== true) continue;
    for (const epc of f.epcs ?? []) {
      const wanted = trueOf.get(epc) ?? [];
      if (wanted.length === 0) continue;
      crossings.tags++;
      const got = recordedOf.get(epc) ?? [];
      if (got.length !== wanted.length) continue;
      crossings.movedOnce++;
      const onTime = got.every((r) =>
        wanted.some(
          (t) =>
            t.crossedAt !== undefined &&
            Math.abs(Date.parse(r.occurredAt) - Date.parse(t.crossedAt)) <= (t.crossingToleranceMs ?? 0),
        ),
      );
      if (onTime) crossings.atCrossingTime++;
    }
  }

  // Anomalies: injected faults, true excursions no fault explains, and expected correction tasks.
  const faults = truth.faults ?? [];
  const anomalies: Anomaly[] = [];
  const notScored: string[] = [];
  for (const f of faults) {
    // Faults scored through the tasks they cause count once per task, below.
    if (f.scoredBy === "tasks" && f.injected) continue;
    if (f.scoredBy === "cold-chain") continue;
    if (!f.injected || f.detectedBy.length === 0) {
      notScored.push(`${f.kind}@${f.startedAt}`);
      continue;
    }
    anomalies.push({ kind: f.kind, startMs: Date.parse(f.startedAt), detectedBy: f.detectedBy });
  }
  for (const e of truth.excursions) {
    // No longer than its grace: a correct system raises nothing (the cold-chain score counts what it does raise).
    if (e.alertable === false) continue;
    const startMs = Date.parse(e.startedAt);
    const explained = faults.some(
      (f) =>
        TEMPERATURE_FAULT_KINDS.has(f.kind) &&
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
  const stockSignals = observed.signals.filter((s) => s.source === "alert" && STOCK_ALERT_KINDS.has(s.type));
  const signals = observed.signals.filter((s) => !(s.source === "alert" && STOCK_ALERT_KINDS.has(s.type)));

  // Expected tasks, one to one with raised tasks of the same type, location, tag and SKU (as far as the truth names them).
  const expectedTasks = [...(truth.tasks ?? [])].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  const raisedTasks = signals.filter((s) => s.source === "task");
  const taskFor = new Map<RecordedSignal, (typeof expectedTasks)[number]>();
  const byType: ScoreReport["details"]["tasks"] = {};
  const typeRow = (type: string) => {
    byType[type] ??= { expected: 0, raised: 0, matched: 0 };
    return byType[type];
  };
  for (const s of raisedTasks) typeRow(s.type).raised++;
  for (const t of expectedTasks) {
    typeRow(t.taskType).expected++;
    const startMs = Date.parse(t.occurredAt);
    const hit = raisedTasks.find(
      (s) =>
        !taskFor.has(s) &&
        s.type === t.taskType &&
        s.location === t.location &&
        (t.epc === undefined || s.epc === t.epc) &&
        (t.sku === undefined || s.sku === t.sku) &&
        signalTime(s) >= startMs - SLACK_MS,
    );
    if (hit !== undefined) {
      taskFor.set(hit, t);
      typeRow(t.taskType).matched++;
    }
  }

  let detected = 0;
  const timesToAlert: number[] = [];
  const firstCommit = (hits: readonly RecordedSignal[]) =>
    Math.min(...hits.map((s) => s.committedAtMs ?? wallOf(signalTime(s))));
  for (const a of anomalies) {
    const hits = signals.filter((s) => matches(s, a));
    if (hits.length === 0) continue;
    detected++;
    timesToAlert.push(Math.max(0, firstCommit(hits) - wallOf(a.startMs)));
  }
  for (const [s, t] of taskFor) {
    detected++;
    timesToAlert.push(Math.max(0, firstCommit([s]) - wallOf(Date.parse(t.occurredAt))));
  }
  // A COUNT_MISMATCH no fault explains (a cycle count found the ledger wrong after, say, an operator's
  // wrong-item scan) is still right when the ledger is wrong for that SKU there at the end: a count does
  // not correct the ledger, a supervisor does.
  const ledgerWrongAt = (s: RecordedSignal) => {
    const k = `${s.sku ?? ""}\u0000${s.location ?? ""}`;
    return s.sku !== undefined && truePos.get(k) !== recPos.get(k);
  };
  const legitimate = (s: RecordedSignal) =>
    taskFor.has(s) ||
    anomalies.some((a) => matches(s, a)) ||
    (s.source === "task" && s.type === "COUNT_MISMATCH" && ledgerWrongAt(s));
  const signalsMatched = signals.filter(legitimate).length;
  const tasksLegitimate = raisedTasks.filter(legitimate).length;

  // Stock alerts, judged by the true stock: a LOW_STOCK alert is justified when the true stock of its SKU at its
  // location had fallen below the reorder point by then; NEGATIVE_STOCK never is (true stock never goes negative:
  // the ledger got a movement before one it depends on, or missed one).
  const lows = truth.stockLows ?? [];
  const lowKey = (sku: string | undefined, location: string | undefined) => `${sku ?? ""}\u0000${location ?? ""}`;
  const lowAt = new Map(lows.map((l) => [lowKey(l.sku, l.location), Date.parse(l.startedAt)]));
  const justified = (s: RecordedSignal): boolean => {
    const since = s.type === "LOW_STOCK" ? lowAt.get(lowKey(s.sku, s.location)) : undefined;
    return since !== undefined && signalTime(s) >= since - SLACK_MS;
  };
  const alertedLows = new Set(
    stockSignals.filter((s) => s.type === "LOW_STOCK" && justified(s)).map((s) => lowKey(s.sku, s.location)),
  );
  const justifiedCount = stockSignals.filter(justified).length;

  // Latency: device time → commit.
  const latencies: number[] = [];
  if (observed.commitTimes !== undefined) {
    for (const m of observed.movements) {
      const committed = observed.commitTimes.get(m.id);
      if (committed !== undefined) latencies.push(Math.max(0, committed - wallOf(Date.parse(m.occurredAt))));
    }
  }

  const kinds = scoreByKind(faults, signals);

  return {
    inventoryAccuracy: ratio(exact, union.size),
    movementPrecision: ratio(matched, observed.movements.length),
    movementRecall: ratio(matched, truth.movements.length),
    anomalyPrecision: ratio(signalsMatched, signals.length),
    anomalyRecall: ratio(detected, anomalies.length + expectedTasks.length),
    timeToAlertP50Ms: percentile(timesToAlert, 50),
    timeToAlertP95Ms: percentile(timesToAlert, 95),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    events: truth.events,
    taskPrecision: ratio(tasksLegitimate, raisedTasks.length),
    taskRecall: ratio(taskFor.size, expectedTasks.length),
    stockAlertPrecision: ratio(justifiedCount, stockSignals.length),
    stockAlertRecall: ratio(alertedLows.size, lows.length),
    details: {
      scenario: truth.scenario,
      positions: { true: truePos.size, recorded: recPos.size, exact, union: union.size },
      movements: {
        true: truth.movements.length,
        recorded: observed.movements.length,
        matched,
        parkedTags: parked.size,
        fromParkedTags,
      },
      standingTags,
      crossings,
      anomalies: {
        scored: anomalies.length + expectedTasks.length,
        detected,
        signals: signals.length,
        signalsMatched,
        notScored,
        byKind: kinds.byKind,
      },
      weightSignals: kinds.weightSignals,
      falseWeightMismatches: kinds.falseWeightMismatches,
      tasks: byType,
      stockAlerts: {
        raised: stockSignals.length,
        justified: justifiedCount,
        lows: lows.length,
        alerted: alertedLows.size,
      },
      latencySamples: latencies.length,
    },
    ...(observed.coldChain !== undefined &&
      truth.excursions.some((e) => e.alertable !== undefined) && {
        coldChain: scoreColdChain(truth, observed.coldChain, wallOf),
      }),
  };
}
