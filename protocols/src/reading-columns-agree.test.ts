import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Telemetry } from "./events.js";
import { isLedgerMetric, type ReadingColumns, readingProblem, seriesProblem } from "./reading-columns.js";

/**
 * The column checks are written by hand for speed (no object per reading). They must take exactly what the
 * `Telemetry` schema takes for the event a reading stands for: this property fails when either changes
 * alone (a length, a pattern, a type) and the two drift apart.
 */

const FIELDS = ["siteId", "deviceId", "metric", "unit", "location", "id", "at", "value"] as const;
type Field = (typeof FIELDS)[number];

const sound: Record<Field, unknown> = {
  siteId: "DEMO",
  deviceId: "temp-1",
  metric: "temperature",
  unit: "Cel",
  location: "DEMO/COLD/C1",
  id: "0190f3c4-7a1b-7cde-8f01-23456789abcd",
  at: "2026-12-04T10:00:00.000Z",
  value: 4.5,
};

/** Values at and around every limit the schema has, and anything else. */
const edgy = fc.oneof(
  fc.anything(),
  fc.string({ maxLength: 210 }),
  fc.constantFrom(
    ...[0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 199, 200, 201].map((n) => "a".repeat(n)),
    "A/B/C",
    `${"a".repeat(98)}/${"b".repeat(98)}/cc`,
    `${"a".repeat(98)}/${"b".repeat(98)}/ccc`,
    "A/B",
    "A/B/C/D",
    "A B/C/D",
    "é/B/C",
    "0190F3C4-7A1B-7CDE-8F01-23456789ABCD",
    "0190f3c4-7a1b-4cde-8f01-23456789abcd",
    "0190f3c4-7a1b-7cde-cf01-23456789abcd",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "0190f3c47a1b7cde8f0123456789abcd",
    "2026-12-04T10:00:00Z",
    "2026-12-04T10:00:00.123456789Z",
    "2026-12-04T10:00:00+02:00",
    "2026-12-04T10:00:00",
    "2026-12-04t10:00:00Z",
    "2026-12-04 10:00:00Z",
    "2026-02-30T10:00:00Z",
    "2026-12-04T24:00:00Z",
    "2026-12-04T10:00Z",
    "count:WIDGET",
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
    1e308,
    null,
  ),
);

function columnsWith(field: Field, value: unknown): ReadingColumns {
  const v = { ...sound, [field]: value };
  return {
    series: [[v.siteId, v.deviceId, v.metric, v.unit, v.location] as never],
    s: [0],
    id: [v.id as string],
    at: [v.at as string],
    value: [v.value as number],
  };
}

/** The event reading 0 of `columns` stands for, as the ingest makes it (a null location is none). */
function eventOf(columns: ReadingColumns): Record<string, unknown> {
  const [siteId, deviceId, metric, unit, location] = columns.series[0] as readonly unknown[];
  const event: Record<string, unknown> = {
    kind: "telemetry",
    id: columns.id[0],
    siteId,
    occurredAt: columns.at[0],
    deviceId,
    metric,
    value: columns.value[0],
    unit,
  };
  if (location !== null) event.location = location;
  return event;
}

function viaJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe("the column checks and the Telemetry schema", () => {
  it("take the same readings, one field changed at a time (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), edgy, (field, value) => {
        // Columns arrive as JSON: what JSON cannot carry (undefined, NaN) arrives as JSON makes it.
        const columns = viaJson(columnsWith(field, value)) as ReadingColumns;
        const series = columns.series[0] as readonly unknown[];
        const byColumns = seriesProblem(series) === undefined && readingProblem(columns, 0) === undefined;
        const bySchema = Telemetry.safeParse(eventOf(columns)).success;
        if (field === "metric" && typeof value === "string" && isLedgerMetric(value)) {
          // A ledger fact is a sound event that travels as one, never in readings.
          expect(byColumns).toBe(false);
          return;
        }
        expect(byColumns, `${field} = ${JSON.stringify(value)}`).toBe(bySchema);
      }),
      { numRuns: Number(process.env.TALLY_FUZZ_RUNS ?? 3000) },
    );
  });
});
