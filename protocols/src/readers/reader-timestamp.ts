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
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 /* . */ ||
    text.charCodeAt(23) !== 90 /* Z */
  ) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const millis = digits(text, 20, 3);
  // digits() is -1 for a non-digit, which every lower bound below refuses (millis: the explicit check).
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millis < 0) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

/** The decimal number in `text[from, from + count)`, or -1 when a character there is not an ASCII digit. */
function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Days in `month` (1–12) of a proleptic Gregorian `year`. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
