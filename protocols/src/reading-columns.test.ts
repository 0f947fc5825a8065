import { describe, expect, it } from "vitest";
import { EdgeBatch, MAX_BATCH_EVENTS } from "./envelope.js";
import type { EdgeEvent } from "./events.js";
import {
  isColumnReading,
  type ReadingColumns,
  readingColumnsProblem,
  readingEvent,
  readingProblem,
  seriesProblem,
  toReadingColumns,
} from "./reading-columns.js";
import { batchEnvelope, reading, readingId } from "./testing/reading-fixtures.js";

const id = readingId;
const condition: EdgeEvent = {
  kind: "condition",
  id: id(900),
  siteId: "DEMO",
  occurredAt: "2026-12-01T08:00:00.000Z",
  conditionType: "DEVICE_SILENT",
  state: "raised",
  key: "DEVICE_SILENT:temp-1",
  deviceId: "temp-1",
  detail: "silent",
};
const columns = (over: Partial<ReadingColumns> = {}): ReadingColumns => ({
  series: [["DEMO", "temp-1", "temperature", "Cel", null]],
  s: [0, 0],
  id: [id(1), id(2)],
  at: ["2026-12-01T08:00:00.000Z", "2026-12-01T08:00:01.000Z"],
  value: [4.5, 4.6],
  ...over,
});
const envelope = batchEnvelope;

describe("readings as columns", () => {
  it("split a batch: plain readings to columns in order, the rest as events, and back to the same readings", () => {
    const plain = Array.from({ length: 40 }, (_, n) => reading(n, n % 7 === 0 ? { excursionWindow: true } : {}));
    const others: EdgeEvent[] = [
      condition,
      reading(100, { summary: { periodS: 60, min: 1, max: 20, count: 60 }, value: 10 }),
      reading(101, { metric: "count:WIDGET" }),
      reading(102, { metric: "dead-letters" }),
      reading(103, { operatorId: "op-1" }),
      reading(104, { excursionWindow: false }),
    ];
    const mixed = [...plain.slice(0, 20), ...others, ...plain.slice(20)];
    const { events, readings } = toReadingColumns(mixed);
    expect(events).toEqual(others);
    if (readings === undefined) throw new Error("no columns");
    expect(readings.series).toHaveLength(6); // three devices, with and without a location
    const back = readings.id.map((_, i) => readingEvent(readings, i, readings.w?.includes(i) ?? false));
    expect(back).toEqual(plain);
    for (const event of others) expect(isColumnReading(event)).toBe(false);
  });

  it("leave a batch without plain readings as it is", () => {
    expect(toReadingColumns([condition])).toEqual({ events: [condition] });
  });

  it("name what is wrong with the shape of hostile columns", () => {
    const cases: [unknown, RegExp][] = [
      [null, /object of columns/],
      [[1, 2], /object of columns/],
      ["columns", /object of columns/],
      [JSON.parse('{"__proto__": {"polluted": true}, "series": []}'), /unknown column "__proto__"/],
      [{ ...columns(), extra: 1 }, /unknown column "extra"/],
      [columns({ series: [] }), /series must be a non-empty list/],
      [columns({ series: [["DEMO", "temp-1"]] as never }), /\[siteId, deviceId, metric, unit, location\]/],
      [columns({ id: [] }), /id must be a non-empty list/],
      [columns({ at: ["2026-12-01T08:00:00.000Z"] }), /readings.at must be a list as long as readings.id \(2\)/],
      [columns({ value: "4.5" as never }), /readings.value must be a list/],
      [columns({ w: [1, 0] }), /ascending indexes/],
      [columns({ w: [2] }), /ascending indexes/],
      [columns({ w: [0.5] }), /ascending indexes/],
      [columns({ w: "0" as never }), /list of reading indexes/],
    ];
    for (const [raw, problem] of cases) expect(readingColumnsProblem(raw)).toMatch(problem);
    expect(readingColumnsProblem(columns({ w: [0, 1] }))).toBeUndefined();
  });

  it("judge a series and a reading on their own, as the Telemetry schema would", () => {
    expect(seriesProblem(["DEMO", "temp-1", "temperature", "Cel", "DEMO/COLD/C1"])).toBeUndefined();
    expect(seriesProblem(["", "temp-1", "temperature", "Cel", null])).toMatch(/siteId/);
    expect(seriesProblem(["DEMO", "x".repeat(65), "temperature", "Cel", null])).toMatch(/deviceId/);
    expect(seriesProblem(["DEMO", "temp-1", 7, "Cel", null])).toMatch(/metric/);
    expect(seriesProblem(["DEMO", "temp-1", "count:WIDGET", "ea", null])).toMatch(/ledger fact/);
    expect(seriesProblem(["DEMO", "temp-1", "temperature", "x".repeat(17), null])).toMatch(/unit/);
    expect(seriesProblem(["DEMO", "temp-1", "temperature", "Cel", "COLD"])).toMatch(/location/);
    const bad = columns({
      id: [id(1), "not-a-uuid", id(3), id(4), id(5)],
      at: [
        "2026-12-01T08:00:00.000Z",
        "2026-12-01T08:00:00.000Z",
        "yesterday",
        "2026-12-01T08:00:00Z",
        "2026-12-01T08:00:00Z",
      ],
      value: [1, 2, 3, null as never, 5],
      s: [0, 0, 0, 0, 3],
    });
    expect([0, 1, 2, 3, 4].map((i) => readingProblem(bad, i))).toEqual([
      undefined,
      expect.stringMatching(/id must be a UUID/),
      expect.stringMatching(/ISO 8601/),
      expect.stringMatching(/finite number/),
      expect.stringMatching(/series index/),
    ]);
  });

  it("make the envelope take readings with no events, and refuse a batch with neither or too many", () => {
    expect(EdgeBatch.safeParse(envelope({ readings: columns() })).success).toBe(true);
    const empty = EdgeBatch.safeParse(envelope({}));
    expect(empty.error?.issues[0]?.message).toMatch(/at least one event/);
    const many = Array.from({ length: MAX_BATCH_EVENTS }, (_, n) => id(n));
    const over = EdgeBatch.safeParse(
      envelope({
        events: [condition],
        readings: columns({
          s: many.map(() => 0),
          id: many,
          at: many.map(() => "2026-12-01T08:00:00.000Z"),
          value: many.map(() => 1),
        }),
      }),
    );
    expect(over.error?.issues[0]?.message).toMatch(/at most 5000 events and readings, not 5001/);
    const malformed = EdgeBatch.safeParse(envelope({ readings: { series: "nope" } }));
    expect(malformed.error?.issues[0]).toMatchObject({ path: ["readings"], message: expect.stringMatching(/series/) });
  });
});
