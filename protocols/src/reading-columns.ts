import type { EdgeEvent, Telemetry } from "./events.js";
import { isText, TELEMETRY_PATTERNS } from "./telemetry-check.js";

/**
 * Sensor readings of a batch as columns (the envelope's optional `readings`): a batch of thousands of
 * readings from a few sensors names each sensor once, in `series`, and each reading by its series' index,
 * with its id, time and value in columns of their own. About a third of the text of the same readings as
 * events, and read by the cloud into a few arrays instead of thousands of objects.
 *
 * Only plain sensor readings go as columns: no summary, no operator, no `count:` or dead-letter metric
 * (those are ledger facts and travel as events). A reading in columns is the `Telemetry` event
 * `{ kind: "telemetry", id, siteId, occurredAt: at, deviceId, metric, value, unit, location? }`, with
 * `excursionWindow: true` when its index is in `w`.
 */

/** A sensor: siteId, deviceId, metric, unit, location (`null`: none). */
export type ReadingSeries = [siteId: string, deviceId: string, metric: string, unit: string, location: string | null];

export interface ReadingColumns {
  series: ReadingSeries[];
  /** Per reading: its series' index. */
  s: number[];
  id: string[];
  at: string[];
  value: number[];
  /** Indexes of the readings sent because they lie around an excursion (`excursionWindow: true`), ascending. */
  w?: number[];
}

const COLUMN_KEYS = new Set(["series", "s", "id", "at", "value", "w"]);

/** Metrics that are ledger facts, never plain readings: a counted item, an edge's dead letters. */
export function isLedgerMetric(metric: string): boolean {
  return metric.startsWith("count:") || metric === "dead-letters";
}

/** Whether a telemetry event can travel in columns and come back the same: a plain sensor reading. */
export function isColumnReading(event: EdgeEvent): event is Telemetry {
  return (
    event.kind === "telemetry" &&
    event.summary === undefined &&
    event.operatorId === undefined &&
    event.excursionWindow !== false &&
    !isLedgerMetric(event.metric)
  );
}

/**
 * A batch's events split for the wire: plain sensor readings as columns (in their order), the others as
 * events (in theirs). `readings` is absent when there is none.
 */
export function toReadingColumns(events: readonly EdgeEvent[]): { events: EdgeEvent[]; readings?: ReadingColumns } {
  const others: EdgeEvent[] = [];
  const series: ReadingSeries[] = [];
  const seriesByKey = new Map<string, number>();
  const s: number[] = [];
  const id: string[] = [];
  const at: string[] = [];
  const value: number[] = [];
  const w: number[] = [];
  for (const event of events) {
    if (!isColumnReading(event)) {
      others.push(event);
      continue;
    }
    const location = event.location ?? null;
    const key = `${event.siteId}\u0000${event.deviceId}\u0000${event.metric}\u0000${event.unit}\u0000${location ?? "\u0001"}`;
    let index = seriesByKey.get(key);
    if (index === undefined) {
      index = series.length;
      series.push([event.siteId, event.deviceId, event.metric, event.unit, location]);
      seriesByKey.set(key, index);
    }
    if (event.excursionWindow === true) w.push(id.length);
    s.push(index);
    id.push(event.id);
    at.push(event.occurredAt);
    value.push(event.value);
  }
  if (id.length === 0) return { events: others };
  const readings: ReadingColumns = { series, s, id, at, value };
  if (w.length > 0) readings.w = w;
  return { events: others, readings };
}

/** The number of readings a `readings` value holds, as its `id` column says (0 when it has none). */
export function readingCount(raw: unknown): number {
  if (typeof raw !== "object" || raw === null) return 0;
  const ids = (raw as { id?: unknown }).id;
  return Array.isArray(ids) ? ids.length : 0;
}

/**
 * What is wrong with the shape of a `readings` value, or undefined when it is columns: a plain object of
 * the known keys, `series` a non-empty list of five-element lists, `s`, `id`, `at` and `value` lists of
 * one length (at least one reading), `w` ascending indexes of readings. The contents of each reading
 * (its id, time, value and series) are the ingest's to check, one reading at a time.
 */
export function readingColumnsProblem(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "readings must be an object of columns";
  if (Object.getPrototypeOf(raw) !== Object.prototype) return "readings must be a plain object";
  for (const key of Object.keys(raw)) {
    if (!COLUMN_KEYS.has(key)) return `readings has an unknown column "${key.slice(0, 40)}"`;
  }
  const { series, s, id, at, value, w } = raw as Record<string, unknown>;
  if (!Array.isArray(series) || series.length === 0) return "readings.series must be a non-empty list";
  for (const entry of series) {
    if (!Array.isArray(entry) || entry.length !== 5) {
      return "each of readings.series must be [siteId, deviceId, metric, unit, location]";
    }
  }
  if (!Array.isArray(id) || id.length === 0) return "readings.id must be a non-empty list";
  for (const [name, column] of [
    ["s", s],
    ["at", at],
    ["value", value],
  ] as const) {
    if (!Array.isArray(column) || column.length !== id.length) {
      return `readings.${name} must be a list as long as readings.id (${id.length})`;
    }
  }
  if (w !== undefined) {
    if (!Array.isArray(w)) return "readings.w must be a list of reading indexes";
    let previous = -1;
    for (const index of w) {
      if (typeof index !== "number" || !Number.isInteger(index) || index <= previous || index >= id.length) {
        return "readings.w must hold ascending indexes of readings";
      }
      previous = index;
    }
  }
  return undefined;
}

/** Why one series of well-shaped columns cannot be read, or undefined when it is a sensor's. */
export function seriesProblem(entry: readonly unknown[]): string | undefined {
  const [siteId, deviceId, metric, unit, location] = entry;
  if (!isText(siteId, 1, 64)) return "a series' siteId must be text of 1 to 64 characters";
  if (!isText(deviceId, 1, 64)) return "a series' deviceId must be text of 1 to 64 characters";
  if (!isText(metric, 1, 128)) return "a series' metric must be text of 1 to 128 characters";
  if (isLedgerMetric(metric)) return `metric ${metric} is a ledger fact: it travels as an event, not in readings`;
  if (!isText(unit, 0, 16)) return "a series' unit must be text of at most 16 characters";
  if (location !== null && !(isText(location, 1, 200) && TELEMETRY_PATTERNS.location.test(location))) {
    return "a series' location must be null or a location code SITE/ZONE/BIN";
  }
  return undefined;
}

/** Why reading `i` of well-shaped columns cannot be read (its series aside), or undefined. */
export function readingProblem(columns: ReadingColumns, i: number): string | undefined {
  const id = columns.id[i] as unknown;
  if (typeof id !== "string" || !TELEMETRY_PATTERNS.id.test(id)) return "a reading's id must be a UUID";
  const at = columns.at[i] as unknown;
  if (typeof at !== "string" || !TELEMETRY_PATTERNS.occurredAt.test(at)) {
    return "a reading's time must be an ISO 8601 date-time with an offset";
  }
  const value = columns.value[i] as unknown;
  if (typeof value !== "number" || !Number.isFinite(value)) return "a reading's value must be a finite number";
  const s = columns.s[i] as unknown;
  if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s >= columns.series.length) {
    return "a reading's series index must name one of readings.series";
  }
  return undefined;
}

/** Reading `i` of columns whose reading and series were found sound, as the event it stands for. */
export function readingEvent(columns: ReadingColumns, i: number, excursionWindow: boolean): Telemetry {
  const [siteId, deviceId, metric, unit, location] = columns.series[columns.s[i] as number] as ReadingSeries;
  const event: Telemetry = {
    kind: "telemetry",
    id: columns.id[i] as string,
    siteId,
    occurredAt: columns.at[i] as string,
    deviceId,
    metric,
    value: columns.value[i] as number,
    unit,
  };
  if (location !== null) event.location = location;
  if (excursionWindow) event.excursionWindow = true;
  return event;
}
