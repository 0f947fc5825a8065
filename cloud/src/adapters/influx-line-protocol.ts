import type { TelemetryPoint } from "../telemetry/telemetry-store.js";
import { zoneOf } from "../telemetry/telemetry-window.js";

// InfluxDB 1.x line protocol: a tag value escapes comma, equals sign and space with a backslash. Other
// characters a store could not carry (newlines, a trailing backslash) are refused by `checkTelemetryPoint`.
const TAG_SPECIAL = /[,= ]/g;
/** Escaped tag values by value: a site's few devices, locations and metrics come again in every point. */
const escapedTags = new Map<string, string>();
const MAX_ESCAPED_TAGS = 10_000;

function tag(value: string): string {
  let escaped = escapedTags.get(value);
  if (escaped === undefined) {
    escaped = value.replace(TAG_SPECIAL, "\\$&");
    // Bounded: past it (many distinct values) it starts again rather than grow.
    if (escapedTags.size >= MAX_ESCAPED_TAGS) escapedTags.clear();
    escapedTags.set(value, escaped);
  }
  return escaped;
}

/** Escaped zone tags by location (none for a location without a zone): the same few locations come again. */
const zoneTags = new Map<string, string | undefined>();

function zoneTag(location: string): string | undefined {
  if (zoneTags.has(location)) return zoneTags.get(location);
  const zone = zoneOf(location);
  const escaped = zone === undefined ? undefined : tag(zone);
  if (zoneTags.size >= MAX_ESCAPED_TAGS) zoneTags.clear();
  zoneTags.set(location, escaped);
  return escaped;
}

/** A series' tags as a line starts, by the series' names (compared by value: a page shares its strings). */
interface SeriesPrefix {
  siteId: string;
  metric: string;
  unit: string;
  location: string | undefined;
  detail: boolean;
  prefix: string;
}
/** Series prefixes by device: a device's readings are one series, or a few. */
const seriesPrefixes = new Map<string, SeriesPrefix[]>();
let seriesPrefixCount = 0;
/** A device with more series than this starts its list again (it is scanned for every point). */
const MAX_SERIES_A_DEVICE = 16;

function seriesPrefix(p: TelemetryPoint): string {
  const detail = p.detail === true;
  let known = seriesPrefixes.get(p.deviceId);
  if (known !== undefined) {
    for (const s of known) {
      if (s.siteId === p.siteId && s.metric === p.metric && s.unit === p.unit && s.location === p.location) {
        if (s.detail === detail) return s.prefix;
      }
    }
  }
  // Bounded: past it (many distinct series) it starts again rather than grow.
  if (seriesPrefixCount >= MAX_ESCAPED_TAGS) {
    seriesPrefixes.clear();
    seriesPrefixCount = 0;
    known = undefined;
  }
  if (known === undefined || known.length >= MAX_SERIES_A_DEVICE) {
    known = [];
    seriesPrefixes.set(p.deviceId, known);
  }
  const prefix = linePrefix(p);
  known.push({ siteId: p.siteId, metric: p.metric, unit: p.unit, location: p.location, detail, prefix });
  seriesPrefixCount += 1;
  return prefix;
}

/** A series' measurement and tags, in key order, and the space before the fields. */
function linePrefix(p: TelemetryPoint): string {
  const zone = p.location === undefined ? undefined : zoneTag(p.location);
  let line = `telemetry,deviceId=${tag(p.deviceId)}`;
  if (p.detail === true) line += ",detail=true";
  if (p.location !== undefined) line += `,location=${tag(p.location)}`;
  line += `,metric=${tag(p.metric)},siteId=${tag(p.siteId)}`;
  if (p.unit !== "") line += `,unit=${tag(p.unit)}`;
  if (zone !== undefined) line += `,zone=${zone}`;
  return `${line} `;
}

/** A reading's fields by its value: sensors repeat their values (a temperature to a tenth of a degree). */
const readingFields = new Map<number, string>();

function readingFieldsOf(value: number): string {
  let fields = readingFields.get(value);
  if (fields === undefined) {
    const v = String(value);
    fields = `count=1i,max=${v},min=${v},sum=${v},value=${v} `;
    if (readingFields.size >= MAX_ESCAPED_TAGS) readingFields.clear();
    readingFields.set(value, fields);
  }
  return fields;
}

/**
 * One raw point of the `telemetry` measurement as a line (precision ms): tags in key order (InfluxDB
 * sorts them otherwise), an empty unit left out (an empty tag value is no tag), `detail=true` only on an
 * excursion-window reading; fields min, max, sum, count (an integer) and value, and periodS for a summary
 * (the aggregates of `pointAggregates`, written without making them). `atMs` is the point's time when the
 * caller has already parsed it. A series' tags and a reading's fields are made once and reused: a line is
 * three pieces joined, not a dozen.
 */
export function telemetryLine(p: TelemetryPoint, atMs: number = Date.parse(p.at)): string {
  const prefix = seriesPrefix(p);
  const s = p.summary;
  if (s === undefined) return prefix + readingFieldsOf(p.value) + atMs;
  const value = String(p.value);
  return `${prefix}count=${s.count}i,max=${s.max},min=${s.min},sum=${p.value * s.count},value=${value},periodS=${s.periodS}i ${atMs}`;
}
