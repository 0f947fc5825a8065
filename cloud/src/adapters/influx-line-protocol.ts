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

/**
 * One raw point of the `telemetry` measurement as a line (precision ms): tags in key order (InfluxDB
 * sorts them otherwise), an empty unit left out (an empty tag value is no tag), `detail=true` only on an
 * excursion-window reading; fields min, max, sum, count (an integer) and value, and periodS for a summary
 * (the aggregates of `pointAggregates`, written without making them). `atMs` is the point's time when the
 * caller has already parsed it.
 */
export function telemetryLine(p: TelemetryPoint, atMs: number = Date.parse(p.at)): string {
  const zone = p.location === undefined ? undefined : zoneTag(p.location);
  let line = `telemetry,deviceId=${tag(p.deviceId)}`;
  if (p.detail === true) line += ",detail=true";
  if (p.location !== undefined) line += `,location=${tag(p.location)}`;
  line += `,metric=${tag(p.metric)},siteId=${tag(p.siteId)}`;
  if (p.unit !== "") line += `,unit=${tag(p.unit)}`;
  if (zone !== undefined) line += `,zone=${zone}`;
  const value = String(p.value);
  const s = p.summary;
  if (s === undefined) return `${line} count=1i,max=${value},min=${value},sum=${value},value=${value} ${atMs}`;
  return `${line} count=${s.count}i,max=${s.max},min=${s.min},sum=${p.value * s.count},value=${value},periodS=${s.periodS}i ${atMs}`;
}
