import {
  ErrorCode,
  type EventRejection,
  type ReadingColumns,
  type ReadingSeries,
  readingProblem,
  seriesProblem,
} from "@tally/protocols";
import type { HandoffReadings } from "../ledger/handoff-body.js";
import { isoTimeMs } from "../telemetry/iso-time.js";
import { outsideWindowReason, type SiteFacts, type TimeWindow, unknownLocationReason } from "./site-checks.js";
import { withWellFormedText } from "./well-formed-text.js";

/** What the ingest made of a batch's `readings`. */
export interface CheckedReadings {
  /** The readings kept, as a hand-off row's body and their ids; undefined when none is. */
  handoff: HandoffReadings | undefined;
  /** Readings taken: those kept, and repeats of a kept reading in the same batch. */
  taken: number;
  /** One for each reading refused, its index counted on from the batch's events. */
  rejections: EventRejection[];
}

export interface ReadingsContext {
  siteId: string;
  /** The batch's events come first: a reading's index in the batch is this plus its own. */
  offset: number;
  facts: SiteFacts;
  nowMs: number;
  window: TimeWindow;
  /** Ids of the batch's events: a reading that repeats one is refused as a conflict. */
  eventIds: ReadonlyMap<string, unknown>;
}

/**
 * Each reading of well-shaped columns (the envelope checked their shape) held against what an event of
 * the same reading would be held to: its series (a sensor of this batch's site, at one of its imported
 * locations), its id, its time (within the window around the cloud's clock) and its value. Pure, and
 * shaped for thousands of readings: a series is judged once, a reading allocates nothing unless refused,
 * and when every reading is kept the columns go to the hand-off as they came.
 */
export function checkReadings(columns: ReadingColumns, context: ReadingsContext): CheckedReadings {
  // Text no Unicode encoding can hold (a lone surrogate) is kept with U+FFFD, as for events.
  const series = columns.series.map((entry) => withWellFormedText(entry));
  const seriesVerdicts = series.map((entry) => seriesVerdict(entry, context));
  const n = columns.id.length;
  const windowed = new Set(columns.w ?? []);
  const rejections: EventRejection[] = [];
  const inWindow = withinTimeWindow(context.nowMs, context.window);
  // An id given twice is rare: only then is each id's first index kept in a map.
  const seen = new Set(columns.id).size === n ? undefined : new Map<string, number>();
  const keep = new Uint8Array(n);
  let kept = 0;
  let taken = 0;
  for (let i = 0; i < n; i++) {
    const problem = readingProblem(columns, i);
    const rawId = columns.id[i] as unknown;
    const id = typeof rawId === "string" && rawId.length <= 128 ? rawId : undefined;
    const index = context.offset + i;
    if (problem !== undefined) {
      rejections.push(rejection(index, id, ErrorCode.EventSchema, problem));
      continue;
    }
    const verdict = seriesVerdicts[columns.s[i] as number];
    if (verdict !== undefined) {
      rejections.push(rejection(index, id, verdict.code, verdict.reason));
      continue;
    }
    if (!inWindow(columns.at[i] as string)) {
      const reason = outsideWindowReason(columns.at[i] as string, context.nowMs, context.window);
      rejections.push(rejection(index, id, ErrorCode.TimeOutOfRange, reason));
      continue;
    }
    const readingId = columns.id[i] as string;
    if (context.eventIds.has(readingId)) {
      rejections.push(rejection(index, readingId, ErrorCode.EventConflict, "the batch holds this id as an event too"));
      continue;
    }
    const firstIndex = seen?.get(readingId);
    if (firstIndex === undefined) {
      seen?.set(readingId, i);
      keep[i] = 1;
      kept++;
      taken++;
    } else if (sameReading(columns, series, windowed, firstIndex, i)) {
      taken++;
    } else {
      const reason = `the batch holds this id twice with different content (first at index ${context.offset + firstIndex})`;
      rejections.push(rejection(index, readingId, ErrorCode.EventConflict, reason));
    }
  }
  const handoff = kept === 0 ? undefined : handoffOf(columns, series, windowed, keep, kept);
  return { handoff, taken, rejections };
}

/**
 * Whether a time checked as ISO 8601 lies in the window around `nowMs`. A time in `toISOString`'s own form
 * (24 characters, milliseconds, `Z`), as edges send them, is compared as text with the window's ends in the
 * same form, which orders as the times do; any other form is parsed.
 */
export function withinTimeWindow(nowMs: number, window: TimeWindow): (at: string) => boolean {
  const fromMs = nowMs - window.maxBehindMs;
  const toMs = nowMs + window.maxAheadMs;
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  // Years past 9999 or before 0 make longer text, which does not order as the times do.
  const asText = from.length === 24 && to.length === 24;
  return (at) => {
    if (asText && at.length === 24 && at.charCodeAt(23) === 90) return at >= from && at <= to;
    const ms = isoTimeMs(at);
    return ms >= fromMs && ms <= toMs;
  };
}

/** The kept readings as a hand-off body (the hand-off's column form, `v: 2`). */
function handoffOf(
  columns: ReadingColumns,
  series: ReadingSeries[],
  windowed: ReadonlySet<number>,
  keep: Uint8Array,
  kept: number,
): HandoffReadings {
  const all = kept === columns.id.length;
  const s = all ? columns.s : columns.s.filter((_, i) => keep[i] === 1);
  const id = all ? columns.id : columns.id.filter((_, i) => keep[i] === 1);
  const at = all ? columns.at : columns.at.filter((_, i) => keep[i] === 1);
  const value = all ? columns.value : columns.value.filter((_, i) => keep[i] === 1);
  const rare: [number, null, true, null][] = [];
  if (windowed.size > 0) {
    for (let i = 0, j = 0; i < columns.id.length; i++) {
      if (keep[i] !== 1) continue;
      if (windowed.has(i)) rare.push([j, null, true, null]);
      j++;
    }
  }
  const body = JSON.stringify(
    rare.length === 0 ? { v: 2, series, s, id, at, value } : { v: 2, series, s, id, at, value, rare },
  );
  return { body, ids: id };
}

function sameReading(
  columns: ReadingColumns,
  series: readonly ReadingSeries[],
  windowed: ReadonlySet<number>,
  a: number,
  b: number,
): boolean {
  const sa = series[columns.s[a] as number] as ReadingSeries;
  const sb = series[columns.s[b] as number] as ReadingSeries;
  return (
    sa.every((field, k) => field === sb[k]) &&
    columns.at[a] === columns.at[b] &&
    Object.is(columns.value[a], columns.value[b]) &&
    windowed.has(a) === windowed.has(b)
  );
}

/** Why a series' readings are refused, or undefined when it may be kept. */
function seriesVerdict(
  entry: ReadingSeries,
  context: ReadingsContext,
): { code: ErrorCode; reason: string } | undefined {
  const problem = seriesProblem(entry);
  if (problem !== undefined) return { code: ErrorCode.EventSchema, reason: problem };
  const [siteId, , , , location] = entry;
  if (siteId !== context.siteId) {
    return { code: ErrorCode.SiteMismatch, reason: `reading site ${siteId} is not the batch's site ${context.siteId}` };
  }
  if (location !== null && !context.facts.locations.has(location)) {
    return { code: ErrorCode.LocationUnknown, reason: unknownLocationReason(location, siteId) };
  }
  return undefined;
}

function rejection(index: number, id: string | undefined, code: ErrorCode, reason: string): EventRejection {
  return id === undefined ? { index, code, reason } : { id, index, code, reason };
}
