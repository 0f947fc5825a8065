import type { GroundTruth, TrueExcursion } from "../scenario.js";

/** One time a TEMPERATURE_EXCURSION alert's cause was raised (an alert's `raised`, `occurred-again` or `re-opened`). */
export interface ObservedRaise {
  alertId: string;
  deviceId?: string;
  location?: string;
  /** The raising condition's time: device time at which the grace ran out (ISO 8601). */
  at: string;
  /** Wall clock when the cloud committed the condition, ms since the epoch, when known. */
  committedAtMs?: number;
}

/** A stock-at-risk line of an excursion record (`GET /v1/excursions/{id}`). */
export interface ObservedStockAtRisk {
  sku: string;
  lot?: string;
  epc?: string;
  quantity: number;
}

/** An excursion record (`GET /v1/excursions`), with its stock at risk when read one by one. */
export interface ObservedExcursion {
  id: string;
  deviceId: string;
  zone?: string;
  startedAt: string;
  endedAt?: string;
  stockAtRisk?: ObservedStockAtRisk[];
}

/** What the cloud says about the cold chain. */
export interface ObservedColdChain {
  raises: ObservedRaise[];
  /** TEMPERATURE_RATE alerts' first raise (device time), by device or location. */
  rateAlerts: { deviceId?: string; location?: string; raisedAt: string }[];
  /** `undefined`: the cloud has no `/v1/excursions` (it answered 404). */
  excursions?: ObservedExcursion[];
}

/** Stock at risk of one excursion, compared by SKU and lot (units of one lot summed over its EPCs). */
export interface StockAtRiskScore {
  /** (SKU, lot) lines reported that the truth has / lines reported. */
  precision: number;
  /** (SKU, lot) lines of the truth reported / true lines. */
  recall: number;
  /** The same lines with the same quantities. */
  exact: boolean;
  /** Lines whose quantities differ (0 = absent on that side). */
  mismatches: { sku: string; lot?: string; expected: number; reported: number }[];
}

/** The cold-chain part of the report. Latencies are wall-clock ms. */
export interface ColdChainReport {
  /** True excursions longer than their grace: a correct system alerts each once its grace runs out. */
  excursions: number;
  alerted: number;
  /** Alerted within `ALERT_TOLERANCE_MS` of the grace's end (either side: a sensor's noise may cross first). */
  alertedInTime: number;
  missed: number;
  /** True excursions no longer than their grace (short spikes): nothing may be raised for them. */
  spikes: number;
  /** Raises that belong to no alertable excursion (a spike alerted, an excursion invented). */
  falseAlerts: number;
  /** From the grace's end to the commit of the raise; negative when raised before it. */
  alertLatencyP50Ms: number | null;
  alertLatencyMaxMs: number | null;
  /** Slow warmings (faults) and how many a TEMPERATURE_RATE alert caught before their excursion began. */
  rate: { warmings: number; caughtBeforeLimit: number };
  /** `not available`: the cloud has no excursion records (`/v1/excursions` answered 404). */
  stockAtRisk:
    | "not available"
    | { exact: number; of: number; withRecord: number; falseRecords: number; precision: number; recall: number };
  perExcursion: {
    deviceId: string;
    zone?: string;
    startedAt: string;
    endedAt?: string;
    graceEndsAt?: string;
    alerted: boolean;
    /** Device time of the first raise inside it: where the edge judged, whatever the commit's delay. */
    raisedAt?: string;
    latencyMs: number | null;
    recordId?: string;
    stockAtRisk?: StockAtRiskScore;
  }[];
}

/** How far from the grace's end an alert still counts as on time, wall-clock ms. */
export const ALERT_TOLERANCE_MS = 5000;
/** Device-clock slack when a raise or record is placed inside an excursion, ms. */
const SLACK_MS = 2000;

const ratio = (n: number, d: number): number => (d === 0 ? 1 : n / d);

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? null;
}

/** Compares reported stock at risk with the truth's, by (SKU, lot). Pure. */
export function compareStockAtRisk(
  truth: readonly { sku: string; lot?: string; quantity: number }[],
  reported: readonly ObservedStockAtRisk[],
): StockAtRiskScore {
  const sum = (lines: readonly { sku: string; lot?: string; quantity: number }[]) => {
    const m = new Map<string, number>();
    for (const l of lines) {
      const k = `${l.sku}\u0000${l.lot ?? ""}`;
      m.set(k, (m.get(k) ?? 0) + l.quantity);
    }
    return m;
  };
  const want = sum(truth);
  const got = sum(reported);
  const both = [...got.keys()].filter((k) => want.has(k)).length;
  const mismatches: StockAtRiskScore["mismatches"] = [];
  for (const k of new Set([...want.keys(), ...got.keys()])) {
    const expected = want.get(k) ?? 0;
    const rep = got.get(k) ?? 0;
    if (expected === rep) continue;
    const [sku = "", lot = ""] = k.split("\u0000");
    mismatches.push({ sku, ...(lot !== "" && { lot }), expected, reported: rep });
  }
  return {
    precision: ratio(both, got.size),
    recall: ratio(both, want.size),
    exact: mismatches.length === 0,
    mismatches,
  };
}

/**
 * Scores the cold chain: each alertable true excursion against the raises
 * of TEMPERATURE_EXCURSION alerts for its sensor (one inside it, device
 * time, counts; the first one's commit, else its device time on the wall
 * clock, minus the grace's end on the wall clock is its latency), raises
 * inside no alertable excursion as false alerts, and the excursion records'
 * stock at risk against the truth's. `wallOf` maps device time to the wall
 * clock (`wallClockOf(truth.clock)`). Pure.
 */
export function scoreColdChain(
  truth: GroundTruth,
  observed: ObservedColdChain,
  wallOf: (deviceMs: number) => number,
): ColdChainReport {
  const inside = (e: TrueExcursion, iso: string): boolean => {
    const t = Date.parse(iso);
    const end = e.endedAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(e.endedAt);
    return t >= Date.parse(e.startedAt) - SLACK_MS && t <= end + SLACK_MS;
  };
  const overlaps = (e: TrueExcursion, x: ObservedExcursion): boolean => {
    const trueEnd = e.endedAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(e.endedAt);
    const recordEnd = x.endedAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(x.endedAt);
    return Date.parse(x.startedAt) <= trueEnd + SLACK_MS && recordEnd >= Date.parse(e.startedAt) - SLACK_MS;
  };
  const alertable = truth.excursions.filter((e) => e.alertable === true);
  const spikes = truth.excursions.filter((e) => e.alertable === false);
  const ofDevice = (e: TrueExcursion, r: { deviceId?: string; location?: string }): boolean =>
    r.deviceId === undefined ? r.location === e.location : r.deviceId === e.deviceId;

  const used = new Set<ObservedRaise>();
  const latencies: number[] = [];
  const usedRecords = new Set<ObservedExcursion>();
  const perExcursion: ColdChainReport["perExcursion"] = alertable.map((e) => {
    const raises = observed.raises
      .filter((r) => ofDevice(e, r) && inside(e, r.at))
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    for (const r of raises) used.add(r);
    const first = raises[0];
    const graceEnd = e.graceEndsAt === undefined ? undefined : Date.parse(e.graceEndsAt);
    let latencyMs: number | null = null;
    if (first !== undefined && graceEnd !== undefined) {
      latencyMs = (first.committedAtMs ?? wallOf(Date.parse(first.at))) - wallOf(graceEnd);
      latencies.push(latencyMs);
    }
    // A record is the excursion's when their spans overlap: the edge's start may lie a noisy reading or two
    // before the true one (a sensor's noise crosses the limit first), and its end later (hysteresis).
    const record = observed.excursions?.find((x) => !usedRecords.has(x) && x.deviceId === e.deviceId && overlaps(e, x));
    if (record !== undefined) usedRecords.add(record);
    return {
      deviceId: e.deviceId,
      ...(e.zone !== undefined && { zone: e.zone }),
      startedAt: e.startedAt,
      ...(e.endedAt !== undefined && { endedAt: e.endedAt }),
      ...(e.graceEndsAt !== undefined && { graceEndsAt: e.graceEndsAt }),
      alerted: first !== undefined,
      ...(first !== undefined && { raisedAt: first.at }),
      latencyMs,
      ...(record !== undefined && { recordId: record.id }),
      ...(observed.excursions !== undefined && {
        stockAtRisk: compareStockAtRisk(e.stockAtRisk ?? [], record?.stockAtRisk ?? []),
      }),
    };
  });

  // Rate alerts: a slow warming is caught when its sensor's TEMPERATURE_RATE alert came before its excursion.
  const warmings = (truth.faults ?? []).filter((f) => f.kind === "slow-warming");
  const caughtBeforeLimit = warmings.filter((f) => {
    const excursion = alertable.find(
      (e) => e.deviceId === f.deviceId && Date.parse(e.startedAt) >= Date.parse(f.startedAt) - SLACK_MS,
    );
    const limitAt = excursion === undefined ? Number.POSITIVE_INFINITY : Date.parse(excursion.startedAt);
    return observed.rateAlerts.some(
      (a) =>
        (a.deviceId === undefined ? a.location === f.location : a.deviceId === f.deviceId) &&
        Date.parse(a.raisedAt) >= Date.parse(f.startedAt) - SLACK_MS &&
        Date.parse(a.raisedAt) < limitAt,
    );
  }).length;

  const scored = perExcursion.flatMap((p) => (p.stockAtRisk === undefined ? [] : [p.stockAtRisk]));
  return {
    excursions: alertable.length,
    alerted: perExcursion.filter((p) => p.alerted).length,
    alertedInTime: perExcursion.filter((p) => p.latencyMs !== null && Math.abs(p.latencyMs) <= ALERT_TOLERANCE_MS)
      .length,
    missed: perExcursion.filter((p) => !p.alerted).length,
    spikes: spikes.length,
    falseAlerts: observed.raises.filter((r) => !used.has(r)).length,
    alertLatencyP50Ms: median(latencies),
    alertLatencyMaxMs: latencies.length === 0 ? null : Math.max(...latencies),
    rate: { warmings: warmings.length, caughtBeforeLimit },
    stockAtRisk:
      observed.excursions === undefined
        ? "not available"
        : {
            exact: scored.filter((s) => s.exact).length,
            of: scored.length,
            withRecord: perExcursion.filter((p) => p.recordId !== undefined).length,
            falseRecords: observed.excursions.filter((x) => !usedRecords.has(x)).length,
            precision: scored.length === 0 ? 1 : scored.reduce((n, s) => n + s.precision, 0) / scored.length,
            recall: scored.length === 0 ? 1 : scored.reduce((n, s) => n + s.recall, 0) / scored.length,
          },
    perExcursion,
  };
}
