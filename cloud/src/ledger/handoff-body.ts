import type { Telemetry } from "@tally/protocols";

/**
 * The text a telemetry hand-off row keeps: a batch's readings as columns rather than one JSON object a
 * reading. A batch's readings come from a few devices at a few locations, so the names a reading repeats
 * (site, device, metric, unit, location) are kept once per series and each reading names its series by
 * index; the id, time and value are columns of their own. About a third of the text of an array of events,
 * and parsed into arrays of strings and numbers instead of thousands of objects.
 *
 * Lossless: decoding gives back the same events (the rarer fields — a summary, the excursion-window flag, an
 * operator id — are kept beside the columns by index). A body that starts with `[` is an array of events, as
 * rows written before this form held: both are read.
 */

/** A series: siteId, deviceId, metric, unit, location (`null`: none). */
type Series = [string, string, string, string, string | null];

/** A reading's rarer fields: summary as [periodS, min, max, count], excursionWindow, operatorId (`null`: none). */
type Rare = [number, [number, number, number, number] | null, boolean | null, string | null];

interface HandoffColumns {
  v: 2;
  series: Series[];
  /** Per reading: its series' index. */
  s: number[];
  id: string[];
  at: string[];
  value: number[];
  /** Readings with a rarer field, by index; absent when none has one. */
  rare?: Rare[];
}

/** A hand-off row's body made elsewhere (a batch's readings as columns, checked by the ingest), and its ids. */
export interface HandoffReadings {
  body: string;
  ids: readonly string[];
}

/** The body of a hand-off row for `telemetry` (in the order given), and its readings' ids in that order. */
export function encodeHandoffBody(telemetry: readonly Telemetry[]): { body: string; ids: string[] } {
  const series: Series[] = [];
  /** Series indexes by device: a device's readings share one series in all but odd batches. */
  const byDevice = new Map<string, number[]>();
  const n = telemetry.length;
  const s = new Array<number>(n);
  const id = new Array<string>(n);
  const at = new Array<string>(n);
  const value = new Array<number>(n);
  const rare: Rare[] = [];
  for (let i = 0; i < n; i++) {
    const t = telemetry[i] as Telemetry;
    s[i] = seriesIndex(series, byDevice, t);
    id[i] = t.id;
    at[i] = t.occurredAt;
    value[i] = t.value;
    if (t.summary !== undefined || t.excursionWindow !== undefined || t.operatorId !== undefined) {
      const summary = t.summary;
      rare.push([
        i,
        summary === undefined ? null : [summary.periodS, summary.min, summary.max, summary.count],
        t.excursionWindow ?? null,
        t.operatorId ?? null,
      ]);
    }
  }
  const columns: HandoffColumns = { v: 2, series, s, id, at, value };
  if (rare.length > 0) columns.rare = rare;
  return { body: JSON.stringify(columns), ids: id };
}

function seriesIndex(series: Series[], byDevice: Map<string, number[]>, t: Telemetry): number {
  const location = t.location ?? null;
  let candidates = byDevice.get(t.deviceId);
  if (candidates === undefined) {
    candidates = [];
    byDevice.set(t.deviceId, candidates);
  }
  for (const index of candidates) {
    const [siteId, , metric, unit, at] = series[index] as Series;
    if (siteId === t.siteId && metric === t.metric && unit === t.unit && at === location) return index;
  }
  series.push([t.siteId, t.deviceId, t.metric, t.unit, location]);
  candidates.push(series.length - 1);
  return series.length - 1;
}

/**
 * The events a hand-off row's body holds, in order. The body was written by the commit from events the
 * ingest had checked: trusted, not checked again (the forwarder's hot path).
 */
export function decodeHandoffBody(body: string): Telemetry[] {
  if (body.startsWith("[")) return JSON.parse(body) as Telemetry[];
  const columns = JSON.parse(body) as HandoffColumns;
  if (columns.v !== 2) throw new Error(`a telemetry hand-off row of an unknown form (v ${String(columns.v)})`);
  const { series, s, id, at, value } = columns;
  const out = new Array<Telemetry>(id.length);
  for (let i = 0; i < id.length; i++) {
    const [siteId, deviceId, metric, unit, location] = series[s[i] as number] as Series;
    const event: Telemetry = {
      kind: "telemetry",
      id: id[i] as string,
      siteId,
      occurredAt: at[i] as string,
      deviceId,
      metric,
      value: value[i] as number,
      unit,
    };
    if (location !== null) event.location = location;
    out[i] = event;
  }
  for (const [i, summary, excursionWindow, operatorId] of columns.rare ?? []) {
    const event = out[i] as Telemetry;
    if (summary !== null) {
      const [periodS, min, max, count] = summary;
      event.summary = { periodS, min, max, count };
    }
    if (excursionWindow !== null) event.excursionWindow = excursionWindow;
    if (operatorId !== null) event.operatorId = operatorId;
  }
  return out;
}
