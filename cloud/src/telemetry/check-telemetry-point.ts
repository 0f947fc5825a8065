import { ErrorCode, type Rejection } from "@tally/protocols";
import type { TelemetryPoint } from "./telemetry-store.js";

// C0 and C1 controls: InfluxDB's line protocol ends a point at a newline, and no device name needs one.
const CONTROL = /\p{Cc}/u;
// A lone surrogate is no text in UTF-8: InfluxDB would store U+FFFD and a query would never find the name.
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();
/** Printable ASCII without a backslash, 1 to 256 characters: storable at a glance (every id a point has). */
const PLAIN_NAME = /^[\x20-\x5B\x5D-\x7E]{1,256}$/;
/** Names already found storable: a site's devices, metrics, units and locations come again in every point. */
const storableNames = new Set<string>();
const MAX_STORABLE_NAMES = 10_000;
/** Names longer than this are refused (the wire schema allows 128 for a metric). */
export const MAX_NAME_LENGTH = 256;
// InfluxDB 1.x keeps timestamps as int64 nanoseconds: about 1677-09-21 to 2262-04-11.
const MIN_AT_MS = Date.parse("1677-09-22T00:00:00.000Z");
const MAX_AT_MS = Date.parse("2262-04-10T00:00:00.000Z");

/**
 * Why `point` can never be stored, or `undefined` when it can. Both stores
 * apply it, so they keep and refuse the same points: a value that is not a
 * finite number, a name with control characters or a lone surrogate (a
 * trailing backslash too: InfluxDB 1.x's line protocol cannot carry one at
 * the end of a tag value), an empty or overlong name, a time outside what
 * InfluxDB can keep, a summary whose figures do not hold together. `atMs` is `point.at` parsed, when the caller
 * already has it.
 */
export function checkTelemetryPoint(point: TelemetryPoint, atMs: number = Date.parse(point.at)): Rejection | undefined {
  if (typeof point.value !== "number" || !Number.isFinite(point.value)) {
    return invalid(`value ${String(point.value)} is not a finite number`);
  }
  const nameProblem =
    nameRefusal("id", point.id) ??
    nameRefusal("siteId", point.siteId) ??
    nameRefusal("deviceId", point.deviceId) ??
    nameRefusal("metric", point.metric) ??
    nameRefusal("unit", point.unit) ??
    nameRefusal("location", point.location);
  if (nameProblem !== undefined) return invalid(nameProblem);
  const summary = point.summary;
  if (summary !== undefined) {
    const { periodS, min, max, count } = summary;
    if (![periodS, min, max, count].every((n) => typeof n === "number" && Number.isFinite(n))) {
      return invalid("summary holds a value that is not a finite number");
    }
    if (!Number.isInteger(count) || count < 1) return invalid(`summary count ${count} is not a whole number ≥ 1`);
    if (!Number.isInteger(periodS) || periodS < 1)
      return invalid(`summary periodS ${periodS} is not a whole number ≥ 1`);
    if (!(min <= point.value && point.value <= max)) return invalid("summary mean is not between its min and max");
    if (point.detail === true) return invalid("a summary is not a full-rate excursion-window reading");
  }
  if (Number.isNaN(atMs)) return invalid(`at ${JSON.stringify(point.at)} is not a time`);
  if (atMs < MIN_AT_MS || atMs > MAX_AT_MS) return invalid(`at ${point.at} is outside 1677-09-22 … 2262-04-10`);
  return undefined;
}

/** A refusal of a point. At module level: a closure made in every call of the check cost a point's time. */
function invalid(reason: string): Rejection {
  return { code: ErrorCode.TelemetryInvalid, reason };
}

/** Why a point's name can never be stored, or `undefined` when it can (an absent one can). */
function nameRefusal(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") return `${field} is not text`;
  if (storableNames.has(value)) return undefined;
  // Ids are unique, so never remembered: the one test that settles a plain one.
  if (field === "id" && PLAIN_NAME.test(value)) return undefined;
  if (value === "" && field !== "unit") return `${field} is empty`;
  if (value.length > MAX_NAME_LENGTH) return `${field} is longer than ${MAX_NAME_LENGTH} characters`;
  if (CONTROL.test(value)) return `${field} holds a control character`;
  if (!isWellFormed(value)) return `${field} holds a lone UTF-16 surrogate`;
  if (value.endsWith("\\")) return `${field} ends with a backslash`;
  // Ids are unique: only the names that come again are remembered (bounded: past it, it starts again).
  if (field !== "id" && value !== "") {
    if (storableNames.size >= MAX_STORABLE_NAMES) storableNames.clear();
    storableNames.add(value);
  }
  return undefined;
}
