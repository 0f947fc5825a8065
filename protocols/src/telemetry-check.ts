import type { z } from "zod";
import { Timestamp } from "./device-messages.js";
import { EventId, type Telemetry } from "./events.js";
import { LocationCode } from "./site-layout.js";

/**
 * A check of a telemetry event shaped for batches of thousands: no copy, no allocation. It accepts only what
 * the `Telemetry` schema accepts, in its usual form (a plain object of the schema's keys, no `operatorId`),
 * and says nothing about anything else: the caller runs the schema for those, so every refusal keeps the
 * schema's own wording. The regular expressions are the schema's own, read from it.
 */

export const TELEMETRY_KEYS: ReadonlySet<string> = new Set([
  "kind",
  "id",
  "siteId",
  "occurredAt",
  "deviceId",
  "metric",
  "value",
  "unit",
  "location",
  "summary",
  "excursionWindow",
]);
const SUMMARY_KEYS = new Set(["periodS", "min", "max", "count"]);

const UUID = patternOf(EventId);
const TIMESTAMP = patternOf(Timestamp);
const LOCATION_CODE = patternOf(LocationCode);
const MAX_LOCATION_LENGTH = 200;

/** The schema's own regular expressions for an event id, a timestamp and a location code. */
export const TELEMETRY_PATTERNS = { id: UUID, occurredAt: TIMESTAMP, location: LOCATION_CODE } as const;

/**
 * `raw` itself, typed, when the `Telemetry` schema surely accepts it as it is; otherwise `undefined` (not
 * necessarily invalid: ask the schema). What it returns is what the schema would return, not a copy of it.
 */
export function acceptedTelemetry(raw: unknown): Telemetry | undefined {
  if (!isPlainRecord(raw) || raw.kind !== "telemetry" || !hasOnlyKeys(raw, TELEMETRY_KEYS)) return undefined;
  const { id, siteId, occurredAt, deviceId, metric, value, unit, location, summary, excursionWindow } = raw;
  const fits =
    typeof id === "string" &&
    UUID.test(id) &&
    isText(siteId, 1, 64) &&
    typeof occurredAt === "string" &&
    TIMESTAMP.test(occurredAt) &&
    isText(deviceId, 1, 64) &&
    isText(metric, 1, 128) &&
    isFiniteNumber(value) &&
    isText(unit, 0, 16) &&
    (location === undefined || (isText(location, 0, MAX_LOCATION_LENGTH) && LOCATION_CODE.test(location))) &&
    (excursionWindow === undefined || typeof excursionWindow === "boolean") &&
    (summary === undefined || (excursionWindow !== true && summaryFits(summary, value as number)));
  return fits ? (raw as Telemetry) : undefined;
}

function summaryFits(summary: unknown, mean: number): boolean {
  if (!isPlainRecord(summary) || !hasOnlyKeys(summary, SUMMARY_KEYS)) return false;
  const { periodS, min, max, count } = summary;
  return (
    isWholeNumber(periodS, 1, 86_400) &&
    isFiniteNumber(min) &&
    isFiniteNumber(max) &&
    isWholeNumber(count, 1, 10_000_000) &&
    min <= mean &&
    mean <= max
  );
}

/** A plain object (as `JSON.parse` makes): anything else is left to the schema. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Every enumerable key is one of `allowed` and holds a value (an own `__proto__` key, as `JSON.parse` makes
 * one, or a key set to `undefined`, is left to the schema).
 */
function hasOnlyKeys(record: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in record) {
    if (!allowed.has(key) || !Object.hasOwn(record, key) || record[key] === undefined) return false;
  }
  return true;
}

/** Text of `min` to `max` UTF-16 units. */
export function isText(value: unknown, min: number, max: number): value is string {
  return typeof value === "string" && value.length >= min && value.length <= max;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isWholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** The regular expression a zod string schema checks: its format's, or its one `.regex()` check. */
function patternOf(schema: z.ZodType): RegExp {
  const def = schema.def as { pattern?: unknown; checks?: readonly { _zod: { def: { pattern?: unknown } } }[] };
  const pattern = def.pattern ?? def.checks?.map((c) => c._zod.def.pattern).find((p) => p instanceof RegExp);
  if (!(pattern instanceof RegExp)) throw new Error("a telemetry schema's string has no pattern to check");
  return pattern;
}
