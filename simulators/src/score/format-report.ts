import { ALERT_TOLERANCE_MS } from "./score-cold-chain.js";
import type { ScoreReport } from "./score-run.js";

const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;
const ms = (v: number | null): string => (v === null ? "—" : `${Math.round(v).toLocaleString("en")} ms`);

/** A readable table of a report, for a terminal. */
export function formatReport(report: ScoreReport): string {
  const d = report.details;
  const rows: [string, string, string][] = [
    ["inventory accuracy", pct(report.inventoryAccuracy), `${d.positions.exact}/${d.positions.union} positions exact`],
    [
      "movement precision",
      pct(report.movementPrecision),
      `${d.movements.matched}/${d.movements.recorded} recorded` +
        (d.movements.parkedTags > 0
          ? `; ${d.movements.fromParkedTags} from ${d.movements.parkedTags} parked tags`
          : ""),
    ],
    ["movement recall", pct(report.movementRecall), `${d.movements.matched}/${d.movements.true} true`],
    ...(d.crossings.tags > 0
      ? [
          [
            "staged crossings",
            `${d.crossings.atCrossingTime}/${d.crossings.tags}`,
            `moved once ${d.crossings.movedOnce}/${d.crossings.tags}, at their crossing time ${d.crossings.atCrossingTime}/${d.crossings.tags}`,
          ] as [string, string, string],
        ]
      : []),
    [
      "anomaly precision",
      pct(report.anomalyPrecision),
      `${d.anomalies.signalsMatched}/${d.anomalies.signals} alerts+tasks`,
    ],
    ["anomaly recall", pct(report.anomalyRecall), `${d.anomalies.detected}/${d.anomalies.scored} anomalies`],
    ...Object.entries(d.anomalies.byKind).map(([kind, k]): [string, string, string] => [
      `  ${kind} recall`,
      pct(k.recall),
      `${k.detected}/${k.injected} detected within ${k.withinMs / 1000} s`,
    ]),
    ...(d.weightSignals > 0
      ? [
          [
            "false weight mismatches",
            String(d.falseWeightMismatches.length),
            `of ${d.weightSignals} weight signals: raised where no injected fault explains them`,
          ] as [string, string, string],
        ]
      : []),
    ["time to alert p50", ms(report.timeToAlertP50Ms), ""],
    ["time to alert p95", ms(report.timeToAlertP95Ms), ""],
    ["latency p50", ms(report.latencyP50Ms), `${d.latencySamples} movements`],
    ["latency p99", ms(report.latencyP99Ms), ""],
    ["events", report.events.toLocaleString("en"), "device messages sent"],
    [
      "task precision",
      pct(report.taskPrecision),
      Object.entries(d.tasks)
        .map(([type, t]) => `${type} ${t.matched}/${t.raised}`)
        .join(", "),
    ],
    [
      "task recall",
      pct(report.taskRecall),
      Object.entries(d.tasks)
        .map(([type, t]) => `${type} ${t.matched}/${t.expected}`)
        .join(", "),
    ],
    [
      "stock alert precision",
      pct(report.stockAlertPrecision),
      `${d.stockAlerts.justified}/${d.stockAlerts.raised} LOW_STOCK/NEGATIVE_STOCK justified`,
    ],
    [
      "stock alert recall",
      pct(report.stockAlertRecall),
      `${d.stockAlerts.alerted}/${d.stockAlerts.lows} true lows alerted`,
    ],
  ];
  rows.push(...coldChainRows(report));
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const lines = rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`.trimEnd());
  const notScored = d.anomalies.notScored.length > 0 ? `\n  not scored: ${d.anomalies.notScored.join(", ")}` : "";
  return `Scenario ${d.scenario}\n${lines.join("\n")}${notScored}\n`;
}

/** The cold-chain rows: excursions alerted in time, spikes alerted, stock at risk exactly right. */
function coldChainRows(report: ScoreReport): [string, string, string][] {
  const c = report.coldChain;
  if (c === undefined) return [];
  const risk = c.stockAtRisk;
  return [
    [
      "excursions alerted",
      `${c.alerted}/${c.excursions}`,
      `in time (±${ALERT_TOLERANCE_MS / 1000} s of grace end) ${c.alertedInTime}, missed ${c.missed}; latency p50 ${ms(c.alertLatencyP50Ms)}, max ${ms(c.alertLatencyMaxMs)}`,
    ],
    ["false excursion alerts", String(c.falseAlerts), `${c.spikes} spikes shorter than their grace`],
    ...(c.rate.warmings > 0
      ? [
          [
            "slow warmings caught",
            `${c.rate.caughtBeforeLimit}/${c.rate.warmings}`,
            "TEMPERATURE_RATE before the limit",
          ] as [string, string, string],
        ]
      : []),
    risk === "not available"
      ? ["stock at risk", "not available", "the cloud has no /v1/excursions"]
      : [
          "stock at risk exact",
          `${risk.exact}/${risk.of}`,
          `precision ${pct(risk.precision)}, recall ${pct(risk.recall)}; records ${risk.withRecord}/${risk.of}, ${risk.falseRecords} unmatched`,
        ],
  ];
}

/** A one-line progress bar: `[#####-----]  50 % · 1,234 events · 12 s`. */
export function progressBar(done: number, events: number, elapsedMs: number, width = 30): string {
  const f = Math.max(0, Math.min(1, done));
  const filled = Math.round(f * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)} % · ${events.toLocaleString("en")} events · ${Math.round(elapsedMs / 1000)} s`;
}
