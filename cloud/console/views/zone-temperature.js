import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { api, query } from "../lib/api.js";
import { html } from "../lib/html.js";

/** The chart covers this much history, at 1-minute means. */
const RANGE_MS = 6 * 3_600_000;
const COLORS = ["#2563eb", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2"];
const LIMIT_COLOR = "#dc2626";
const EXCURSION_FILL = "rgba(220, 38, 38, 0.12)";

/** One zone's temperatures: each sensor's 1-minute mean with its min–max band, the zone's limits and its excursions shaded. */
export function ZoneTemperature({ siteId, zone, range, stamp }) {
  const [data, setData] = useState(undefined);
  const [problem, setProblem] = useState(undefined);
  useEffect(() => {
    let gone = false;
    const to = Date.now();
    const from = to - RANGE_MS;
    Promise.all([
      api(
        `/v1/telemetry${query({
          siteId,
          zone,
          metric: "temperature",
          window: "1m",
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
        })}`,
      ),
      excursionsOf(siteId, zone),
    ])
      .then(([telemetry, excursions]) => {
        if (gone) return;
        setData({ buckets: telemetry.buckets ?? [], excursions: overlapping(excursions, from, to), from, to });
        setProblem(undefined);
      })
      .catch((error) => !gone && setProblem(error.message));
    return () => {
      gone = true;
    };
  }, [siteId, zone, stamp]);
  if (problem !== undefined) return html`<p class="error">${problem}</p>`;
  if (data === undefined) return html`<p class="muted small">Loading…</p>`;
  return html`<${ZoneChart} ...${data} range=${range} />`;
}

let excursionRoute;

/**
 * Whether this cloud keeps excursion records, from its OpenAPI document (asked once): a cloud
 * without them draws no shading, and the browser's console stays free of a 404 on every chart.
 */
function hasExcursionRoute() {
  excursionRoute ??= fetch("/docs/json")
    .then((response) => (response.ok ? response.json() : undefined))
    .then((doc) => doc?.paths?.["/v1/excursions"] !== undefined)
    .catch(() => false);
  return excursionRoute;
}

/** The zone's excursions; none when the cloud has no excursion records rather than an error. */
async function excursionsOf(siteId, zone) {
  if (!(await hasExcursionRoute())) return [];
  try {
    const body = await api(`/v1/excursions${query({ siteId, zone, limit: 100 })}`);
    return body?.items ?? [];
  } catch (error) {
    if (error.status === 404) return [];
    throw error;
  }
}

function overlapping(excursions, fromMs, toMs) {
  return excursions.filter((e) => {
    const start = Date.parse(e.startedAt);
    const end = e.endedAt === undefined ? toMs : Date.parse(e.endedAt);
    return start < toMs && end > fromMs;
  });
}

/** Limit lines of a zone's range, °C. */
function limitsOf(range) {
  const limits = [];
  if (range?.maxC !== undefined) limits.push({ label: `Max ${range.maxC} °C`, value: range.maxC });
  if (range?.minC !== undefined) limits.push({ label: `Min ${range.minC} °C`, value: range.minC });
  return limits;
}

function ZoneChart({ buckets, excursions, range, from, to }) {
  const box = useRef(null);
  const limits = limitsOf(range);
  const devices = [...new Set(buckets.map((b) => b.deviceId))].sort();
  useEffect(() => {
    const element = box.current;
    if (element === null || devices.length === 0) return undefined;
    // At least the last hour, at most the fetched six: a short history is not squeezed into a corner.
    const first = Math.min(...buckets.map((b) => Date.parse(b.start)));
    const startMs = Math.max(from, Math.min(first - 5 * 60_000, to - 3_600_000));
    // The range's ends as columns too (no readings there): the limit lines run across the whole chart.
    const xs = [...new Set([startMs / 1000, ...buckets.map((b) => Date.parse(b.start) / 1000), to / 1000])].sort(
      (a, b) => a - b,
    );
    const column = new Map(xs.map((x, i) => [x, i]));
    const empty = () => xs.map(() => null);
    const series = [{}];
    const columns = [xs];
    const bands = [];
    devices.forEach((deviceId, i) => {
      const color = COLORS[i % COLORS.length];
      const mean = empty();
      const min = empty();
      const max = empty();
      for (const b of buckets) {
        if (b.deviceId !== deviceId) continue;
        const at = column.get(Date.parse(b.start) / 1000);
        mean[at] = b.mean;
        min[at] = b.min;
        max[at] = b.max;
      }
      const at = columns.length;
      columns.push(mean, max, min);
      series.push(
        { label: deviceId, stroke: color, width: 2 },
        { label: `${deviceId} max`, stroke: color, width: 0, points: { show: false } },
        { label: `${deviceId} min`, stroke: color, width: 0, points: { show: false } },
      );
      // uPlot fills between the pair: the max series above, the min below.
      bands.push({ series: [at + 1, at + 2], fill: `${color}22` });
    });
    for (const l of limits) {
      columns.push(xs.map(() => l.value));
      series.push({ label: l.label, stroke: LIMIT_COLOR, dash: [6, 4], width: 1.5, points: { show: false } });
    }
    const shade = (u) => {
      const { ctx } = u;
      const { top, height } = u.bbox;
      ctx.save();
      ctx.fillStyle = EXCURSION_FILL;
      for (const e of excursions) {
        const left = u.valToPos(Math.max(Date.parse(e.startedAt), startMs) / 1000, "x", true);
        const right = u.valToPos(Math.min(e.endedAt === undefined ? to : Date.parse(e.endedAt), to) / 1000, "x", true);
        ctx.fillRect(left, top, Math.max(right - left, 2), height);
      }
      ctx.restore();
    };
    const values = buckets.flatMap((b) => [b.min, b.max]).concat(limits.map((l) => l.value));
    const low = Math.min(...values);
    const high = Math.max(...values);
    const pad = Math.max(0.5, (high - low) * 0.1);
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 300),
        height: 240,
        legend: { show: true },
        scales: {
          x: { time: true, range: () => [startMs / 1000, to / 1000] },
          // Limits always in view, even when every reading is far inside them.
          y: { range: () => [low - pad, high + pad] },
        },
        axes: [
          { stroke: "#5b6472", grid: { stroke: "#eef0f3" } },
          { stroke: "#5b6472", grid: { stroke: "#eef0f3" }, label: "°C" },
        ],
        series,
        bands,
        hooks: { drawClear: [shade] },
      },
      columns,
      element,
    );
    // The band's edges are series of their own: keep them out of the legend, which names sensors and limits.
    element.querySelectorAll(".u-legend .u-series").forEach((row, i) => {
      if (/ (min|max)$/.test(series[i]?.label ?? "")) row.style.display = "none";
    });
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 300), height: 240 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [buckets, excursions, range, from, to]);
  return html`<div data-series=${devices.length} data-limits=${limits.map((l) => l.value).join(",")}
    data-excursions=${excursions.length}>
    ${devices.length === 0 ? html`<p class="muted small">No temperature readings in the last 6 hours.</p>` : html`<div class="chart" ref=${box}></div>`}
    ${
      excursions.length === 0
        ? null
        : html`<ul class="excursions small">
          ${excursions.map(
            (e) =>
              html`<li class="warn">${`Excursion ${e.side ?? ""} ${e.limit ?? ""} °C on ${e.deviceId}: ${new Date(e.startedAt).toLocaleTimeString()} – ${e.endedAt === undefined ? "ongoing" : new Date(e.endedAt).toLocaleTimeString()}`}</li>`,
          )}
        </ul>`
    }
  </div>`;
}
