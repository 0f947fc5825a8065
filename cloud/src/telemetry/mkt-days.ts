import { ErrorCode, type Result, rejected } from "@tally/protocols";
import { meanKineticTemperatureC } from "./mkt.js";
import type { WindowReading } from "./telemetry-store.js";

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
/** Days one MKT call may cover at most: a year, leap or not. */
export const MAX_MKT_DAYS = 366;

/** Units a temperature series may carry to count as °C (the edge sends `°C`, UCUM says `Cel`). */
const CELSIUS_UNITS = new Set(["°C", "Cel", "C", "degC", "celsius"]);

/** Whether a series' unit is degrees Celsius: MKT never mixes in a Fahrenheit or unitless series. */
export function isCelsius(unit: string): boolean {
  return CELSIUS_UNITS.has(unit);
}

/**
 * The UTC days from `from` to `to` (both `YYYY-MM-DD`, both included) as
 * their start times, ms; refused when a date is not one, `to` is before
 * `from`, or the span passes `MAX_MKT_DAYS`. Days are UTC days: a site's
 * local midnight is not known to the cloud.
 */
export function utcDays(from: string, to: string): Result<number[]> {
  const invalid = (reason: string) => rejected(ErrorCode.QueryInvalid, reason);
  const fromMs = parseDay(from);
  if (fromMs === undefined) return invalid(`from ${JSON.stringify(from)} is not a date (YYYY-MM-DD)`);
  const toMs = parseDay(to);
  if (toMs === undefined) return invalid(`to ${JSON.stringify(to)} is not a date (YYYY-MM-DD)`);
  if (toMs < fromMs) return invalid("to must not be before from");
  const count = (toMs - fromMs) / DAY_MS + 1;
  if (count > MAX_MKT_DAYS) return invalid(`at most ${MAX_MKT_DAYS} days per call; this asks for ${count}`);
  return { ok: true, value: Array.from({ length: count }, (_, i) => fromMs + i * DAY_MS) };
}

function parseDay(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  // Date.parse rolls 2026-02-30 over to March: a date that does not print back was not a date.
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text ? undefined : ms;
}

/** A zone's temperatures per minute: the 1-minute means of each of its sensors, by minute start (ms). */
export type ZoneMinutes = Map<number, number[]>;

/** Collects 1-minute buckets of a zone's temperature series into `into` (only °C series). */
export function addZoneMinutes(into: ZoneMinutes, buckets: readonly WindowReading[]): ZoneMinutes {
  for (const b of buckets) {
    if (!isCelsius(b.unit) || !Number.isFinite(b.mean)) continue;
    const at = Date.parse(b.start);
    const temps = into.get(at);
    if (temps === undefined) into.set(at, [b.mean]);
    else temps.push(b.mean);
  }
  return into;
}

/** One zone's MKT over one UTC day. */
export interface ZoneDayMkt {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  mktC: number;
  /** Minutes of the day with at least one reading. */
  minutes: number;
  /** `minutes` / minutes in the day (1440). */
  coverage: number;
}

/**
 * The MKT of one zone over the UTC day starting at `dayStartMs`, from its
 * sensors' 1-minute means; `undefined` for a day without readings. Each
 * minute with data weighs the same, its sensors sharing it equally, so a
 * zone with more sensors, or a minute read by more of them, does not count
 * for more time; minutes without data are left out (and lower `coverage`),
 * never filled in.
 */
export function zoneDayMkt(
  minutes: ZoneMinutes,
  dayStartMs: number,
  activationKjPerMol: number,
): ZoneDayMkt | undefined {
  const samples: { tempC: number; weight: number }[] = [];
  let covered = 0;
  for (const [at, temps] of minutes) {
    if (at < dayStartMs || at >= dayStartMs + DAY_MS || temps.length === 0) continue;
    covered += 1;
    for (const tempC of temps) samples.push({ tempC, weight: 1 / temps.length });
  }
  const mktC = meanKineticTemperatureC(samples, activationKjPerMol);
  if (mktC === undefined) return undefined;
  return {
    day: new Date(dayStartMs).toISOString().slice(0, 10),
    mktC,
    minutes: covered,
    coverage: covered / (DAY_MS / MINUTE_MS),
  };
}
