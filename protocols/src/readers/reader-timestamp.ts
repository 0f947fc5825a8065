// ISO 8601 / RFC 3339 date-time with a zone. The offset may lack its colon:
// Zebra's IoT Connector writes `2026-01-01T12:00:00.123+0000`.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Normalises a reader's timestamp to ISO 8601 in UTC with milliseconds
 * (`2026-01-01T12:00:00.123Z`). Accepts `Z` or an offset with or without a
 * colon, and up to nanoseconds (Impinj reports nanoseconds; digits past the
 * millisecond are truncated). Returns `undefined` for anything else, including
 * impossible dates such as 30 February or 24:00.
 */
export function normaliseReaderTimestamp(text: string): string | undefined {
  // Fast path: already canonical UTC with milliseconds (what Tally's own devices send).
  if (canonicalTimestampMs(text) !== undefined) return text;
  const m = DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction = "", zulu, sign, oh = "00", om = "00"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const offsetMinutes = zulu === "Z" ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || Number(oh) > 23 || Number(om) > 59) return undefined;
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  // Date.UTC maps years 0-99 to 1900-1999; readers do not live there.
  if (year < 1970 || !Number.isFinite(utc)) return undefined;
  return new Date(utc).toISOString();
}

/** The date part (`2026-01-01T`) of the last canonical timestamp read, and its midnight in ms: reads come in order. */
let lastDay = "";
let lastDayMs = 0;

/**
 * The instant of a canonical UTC timestamp, as `Date.prototype.toISOString`
 * writes it (`2026-01-01T12:00:00.123Z`: 24 characters, milliseconds, `Z`,
 * years 1970–9999), in ms since the epoch; `undefined` for any other text,
 * including impossible dates (30 February, 24:00, second 60). Exactly the
 * strings `new Date(Date.parse(text)).toISOString() === text` holds for from
 * 1970 on, without a Date or a regular expression: it runs once per tag read.
 */
export function canonicalTimestampMs(text: string): number | undefined {
  if (
    text.length !== 24 ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 /* . */ ||
    text.charCodeAt(23) !== 90 /* Z */
  ) {
    return undefined;
  }
  // two() and digit() are -1 for a non-digit, which every lower bound below refuses.
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  const centis = two(text, 20);
  const lastDigit = digit(text, 22);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (centis < 0 || lastDigit < 0) return undefined;
  const millis = centis * 10 + lastDigit;
  const timeMs = ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  // Most reads share their date with the one before: the date part is checked and converted once per day.
  if (lastDay !== "" && text.startsWith(lastDay)) return lastDayMs + timeMs;
  if (text.charCodeAt(4) !== 45 /* - */ || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 /* T */) {
    return undefined;
  }
  const century = two(text, 0);
  const ofCentury = two(text, 2);
  if (century < 0 || ofCentury < 0) return undefined;
  const year = century * 100 + ofCentury;
  const month = two(text, 5);
  const day = two(text, 8);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  lastDay = text.slice(0, 11);
  lastDayMs = Date.UTC(year, month - 1, day);
  return lastDayMs + timeMs;
}

/** The ASCII digit at `at` as a number, or -1. */
function digit(text: string, at: number): number {
  const d = text.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** The two ASCII digits at `at` as a number, or -1. */
function two(text: string, at: number): number {
  const tens = digit(text, at);
  const units = digit(text, at + 1);
  return tens < 0 || units < 0 ? -1 : tens * 10 + units;
}

/** Days in `month` (1–12) of a proleptic Gregorian `year`. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
