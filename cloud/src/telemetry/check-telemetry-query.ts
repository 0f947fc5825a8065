import { ErrorCode, type Result, rejected } from "@tally/protocols";
import type { TelemetryQuery, TelemetryWindow } from "./telemetry-store.js";
import { windowMs } from "./telemetry-window.js";

/** Points or buckets one query returns at most. */
export const MAX_TELEMETRY_POINTS = 10_000;
/** Buckets of one series a windowed query may span: a wider window for longer ranges. */
export const MAX_BUCKETS_PER_SERIES = 10_000;
/** The longest range of raw points one query may ask for (the raw retention of the InfluxDB store). */
export const MAX_RAW_RANGE_MS = 7 * 24 * 3_600_000;
/** Without `from`, a query covers this long before `to`. */
export const DEFAULT_RANGE_MS = 3_600_000;

/** A query as it arrives (the HTTP query string after its schema). */
export interface TelemetryQueryInput {
  siteId?: string | undefined;
  deviceId?: string | undefined;
  metric?: string | undefined;
  zone?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  window?: TelemetryWindow | undefined;
  limit?: number | undefined;
}

/**
 * `input` as a bounded `TelemetryQuery`, or why not: times that are not ISO
 * 8601, an empty or reversed range, a raw range longer than
 * `MAX_RAW_RANGE_MS`, a window that would make more than
 * `MAX_BUCKETS_PER_SERIES` buckets, a limit out of 1…`MAX_TELEMETRY_POINTS`.
 * `to` defaults to `nowMs`, `from` to an hour before `to`.
 */
export function checkTelemetryQuery(input: TelemetryQueryInput, nowMs: number): Result<TelemetryQuery> {
  const invalid = (reason: string) => rejected(ErrorCode.QueryInvalid, reason);
  const toMs = input.to === undefined ? nowMs : parseTime(input.to);
  if (toMs === undefined) return invalid(`to ${JSON.stringify(input.to)} is not an ISO 8601 time`);
  const fromMs = input.from === undefined ? toMs - DEFAULT_RANGE_MS : parseTime(input.from);
  if (fromMs === undefined) return invalid(`from ${JSON.stringify(input.from)} is not an ISO 8601 time`);
  if (fromMs >= toMs) return invalid("from must be before to");
  const window = input.window ?? "raw";
  const span = toMs - fromMs;
  if (window === "raw") {
    if (span > MAX_RAW_RANGE_MS) {
      return invalid(`a raw range spans at most ${MAX_RAW_RANGE_MS / 3_600_000} h; ask for a window (1m, 5m, 1h)`);
    }
  } else if (Math.ceil(span / windowMs(window)) > MAX_BUCKETS_PER_SERIES) {
    return invalid(
      `window ${window} over this range makes more than ${MAX_BUCKETS_PER_SERIES} buckets; use a wider one`,
    );
  }
  const limit = input.limit ?? MAX_TELEMETRY_POINTS;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TELEMETRY_POINTS) {
    return invalid(`limit must be an integer from 1 to ${MAX_TELEMETRY_POINTS}`);
  }
  return {
    ok: true,
    value: {
      ...(input.siteId !== undefined && { siteId: input.siteId }),
      ...(input.deviceId !== undefined && { deviceId: input.deviceId }),
      ...(input.metric !== undefined && { metric: input.metric }),
      ...(input.zone !== undefined && { zone: input.zone }),
      fromMs,
      toMs,
      window,
      limit,
    },
  };
}

// A date alone (UTC midnight) or a date and time with its zone: never the machine's local time, and
// not the many other forms Date.parse takes.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function parseTime(text: string): number | undefined {
  if (!ISO_TIME.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
