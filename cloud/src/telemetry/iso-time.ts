/**
 * `Date.parse(text)`, with the form `toISOString` writes (`2026-12-04T21:00:00.000Z`, what edges send) read
 * digit by digit: about a third of `Date.parse`'s time, paid twice for every reading on the way to InfluxDB.
 * Only fields within their everyday ranges take that path (a year from 1000, a day up to its month's last); any
 * other text, and any other form the schema allows (an offset, more or fewer fraction digits), is
 * `Date.parse`'s, so the result is always the same as `Date.parse`'s.
 */
export function isoTimeMs(text: string): number {
  if (text.length !== 24 || !hasIsoShape(text)) return Date.parse(text);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const ms = digits(text, 20, 3);
  if (
    // Date.UTC reads years 0–99 as 1900–1999.
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    (day > 28 && day > daysIn(year, month)) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    ms < 0
  ) {
    return Date.parse(text);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

const DASH = 45;
const COLON = 58;
const DOT = 46;
const T = 84;
const Z = 90;

function hasIsoShape(text: string): boolean {
  return (
    text.charCodeAt(4) === DASH &&
    text.charCodeAt(7) === DASH &&
    text.charCodeAt(10) === T &&
    text.charCodeAt(13) === COLON &&
    text.charCodeAt(16) === COLON &&
    text.charCodeAt(19) === DOT &&
    text.charCodeAt(23) === Z
  );
}

/** The decimal number of `length` digits at `start`, or -1 when one of them is not a digit. */
function digits(text: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
