import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalTimestampMs, normaliseReaderTimestamp } from "./reader-timestamp.js";

describe("normaliseReaderTimestamp", () => {
  it.each([
    // Zebra IoT Connector writes offsets without a colon.
    ["2026-01-01T12:00:00.123+0000", "2026-01-01T12:00:00.123Z"],
    ["2026-01-01T13:00:00.123+0100", "2026-01-01T12:00:00.123Z"],
    ["2026-01-01T07:00:00.123-0500", "2026-01-01T12:00:00.123Z"],
    ["2026-01-01T17:45:00.123+05:45", "2026-01-01T12:00:00.123Z"],
    ["2026-01-01T12:00:00Z", "2026-01-01T12:00:00.000Z"],
    ["2026-01-01T12:00:00.1Z", "2026-01-01T12:00:00.100Z"],
    // Impinj reports nanoseconds; Tally keeps milliseconds (truncated, not rounded).
    ["2026-01-01T12:00:00.123999999Z", "2026-01-01T12:00:00.123Z"],
    ["2025-12-31T23:30:00.000-01:00", "2026-01-01T00:30:00.000Z"],
    ["2028-02-29T00:00:00Z", "2028-02-29T00:00:00.000Z"],
  ])("%s → %s", (input, expected) => {
    expect(normaliseReaderTimestamp(input)).toBe(expected);
  });

  it.each([
    "",
    "yesterday",
    "2026-01-01",
    "2026-01-01T12:00:00", // no zone: ambiguous
    "2026-01-01 12:00:00Z",
    "2026-01-01T12:00:00.123+00",
    "2026-01-01T12:00:00.1234567890Z",
    "2026-02-30T00:00:00Z",
    "2027-02-29T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T12:60:00Z",
    "2026-01-01T12:00:60Z",
    "2026-01-01T12:00:00+2400",
    "0001-01-01T00:00:00Z",
    "２０２６-01-01T12:00:00Z",
    "2026-01-01T12:00:00Z\n",
  ])("refuses %j", (input) => {
    expect(normaliseReaderTimestamp(input)).toBeUndefined();
  });

  it("agrees with Date for every instant it accepts, whatever the offset", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1970-01-02T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        fc.boolean(),
        (date, offsetMinutes, colon) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, -1);
          const abs = Math.abs(offsetMinutes);
          const hh = String(Math.floor(abs / 60)).padStart(2, "0");
          const mm = String(abs % 60).padStart(2, "0");
          const text = `${local}${offsetMinutes < 0 ? "-" : "+"}${hh}${colon ? ":" : ""}${mm}`;
          expect(normaliseReaderTimestamp(text)).toBe(date.toISOString());
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("canonicalTimestampMs", () => {
  /** The slow definition it replaces: Date's own round trip, from 1970 on. */
  const oracle = (text: string) => {
    if (text.length !== 24 || !text.endsWith("Z")) return undefined;
    const ms = Date.parse(text);
    return Number.isFinite(ms) && ms >= 0 && new Date(ms).toISOString() === text ? ms : undefined;
  };

  it("gives the instant of every timestamp Date writes from 1970 to 9999", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1970-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59.999Z"),
          noInvalidDate: true,
        }),
        (date) => {
          expect(canonicalTimestampMs(date.toISOString())).toBe(date.getTime());
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each([
    "2026-02-29T00:00:00.000Z",
    "2100-02-29T00:00:00.000Z",
    "2026-04-31T00:00:00.000Z",
    "2026-00-10T00:00:00.000Z",
    "2026-01-00T00:00:00.000Z",
    "2026-01-01T24:00:00.000Z",
    "2026-01-01T23:60:00.000Z",
    "2026-01-01T23:59:60.000Z",
    "1969-12-31T23:59:59.999Z",
    "2026-01-01T12:00:00.12aZ",
    "2026-01-01T12:00:00.123+",
    "2026-01-01 12:00:00.123Z",
    "+2026-01-01T12:00:00.12Z",
    "2026-01-01T12:00:00Z",
  ])("refuses %j", (text) => {
    expect(canonicalTimestampMs(text)).toBeUndefined();
  });

  it("checks the time of day even when the date was just read", () => {
    expect(canonicalTimestampMs("2026-01-31T23:59:59.999Z")).toBe(Date.UTC(2026, 0, 31, 23, 59, 59, 999));
    expect(canonicalTimestampMs("2026-01-31T24:00:00.000Z")).toBeUndefined();
    expect(canonicalTimestampMs("2026-01-31T12:00:0x.000Z")).toBeUndefined();
    expect(canonicalTimestampMs("2026-01-31T12:00:00.00xZ")).toBeUndefined();
    expect(canonicalTimestampMs("2026-02-31T12:00:00.000Z")).toBeUndefined();
    expect(canonicalTimestampMs("2026-01-31T00:00:00.001Z")).toBe(Date.UTC(2026, 0, 31, 0, 0, 0, 1));
  });

  it("accepts exactly what Date's round trip accepts, on mutated timestamps", () => {
    const alphabet = "0123456789-:.TZ +/a";
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1900-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59.999Z"),
          noInvalidDate: true,
        }),
        fc.array(fc.tuple(fc.nat(23), fc.nat(alphabet.length - 1)), { maxLength: 3 }),
        (date, edits) => {
          const chars = [...date.toISOString()];
          for (const [at, c] of edits) chars[at] = alphabet[c] as string;
          const text = chars.join("");
          expect(canonicalTimestampMs(text)).toBe(oracle(text));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
