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
  // Fast path: already canonical UTC with milliseconds (what Tally's own devices send). The round trip
  // refuses dates that Date would roll over (31 February → 3 March).
  if (text.length === 24 && text.charCodeAt(23) === 90 /* Z */) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms) && ms >= 0 && new Date(ms).toISOString() === text) return text;
  }
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

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
