import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseReaderTimestamp } from "./reader-timestamp.js";

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
