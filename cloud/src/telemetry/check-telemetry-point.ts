import { ErrorCode, type Rejection } from "@tally/protocols";
import type { TelemetryPoint } from "./telemetry-store.js";

// C0 and C1 controls: InfluxDB's line protocol ends a point at a newline, and no device name needs one.
const CONTROL = /\p{Cc}/u;
// A lone surrogate is no text in UTF-8: InfluxDB would store U+FFFD and a query would never find the name.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
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
 * InfluxDB can keep, a summary whose figures do not hold together.
 */
export function checkTelemetryPoint(point: TelemetryPoint): Rejection | undefined {
  const invalid = (reason: string): Rejection => ({ code: ErrorCode.TelemetryInvalid, reason });
  if (typeof point.value !== "number" || !Number.isFinite(point.value)) {
    return invalid(`value ${String(point.value)} is not a finite number`);
  }
  const names: [string, string | undefined][] = [
    ["id", point.id],
    ["siteId", point.siteId],
    ["deviceId", point.deviceId],
    ["metric", point.metric],
    ["unit", point.unit],
    ["location", point.location],
  ];
  for (const [field, value] of names) {
    if (value === undefined) continue;
    if (typeof value !== "string") return invalid(`${field} is not text`);
    if (value === "" && field !== "unit") return invalid(`${field} is empty`);
    if (value.length > MAX_NAME_LENGTH) return invalid(`${field} is longer than ${MAX_NAME_LENGTH} characters`);
    if (CONTROL.test(value)) return invalid(`${field} holds a control character`);
    if (LONE_SURROGATE.test(value)) return invalid(`${field} holds a lone UTF-16 surrogate`);
    if (value.endsWith("\\")) return invalid(`${field} ends with a backslash`);
  }
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
  const atMs = Date.parse(point.at);
  if (Number.isNaN(atMs)) return invalid(`at ${JSON.stringify(point.at)} is not a time`);
  if (atMs < MIN_AT_MS || atMs > MAX_AT_MS) return invalid(`at ${point.at} is outside 1677-09-22 … 2262-04-10`);
  return undefined;
}
