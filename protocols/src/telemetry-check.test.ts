import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EdgeEvent } from "./events.js";
import { acceptedTelemetry, TELEMETRY_KEYS } from "./telemetry-check.js";

const reading = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  kind: "telemetry",
  id: "0190f3c4-7a1b-7cde-8f01-23456789abcd",
  siteId: "DEMO",
  occurredAt: "2026-12-04T10:00:00.000Z",
  deviceId: "cold-1",
  metric: "temperature",
  value: 4.5,
  unit: "Cel",
  location: "DEMO/COLD/C1",
  ...over,
});

const summary = { periodS: 60, min: 4, max: 5, count: 12 };

/** The property every input must have: accepted means the schema accepts it, with the same content. */
function expectNoLooserThanSchema(raw: unknown): void {
  const fast = acceptedTelemetry(raw);
  if (fast === undefined) return;
  const parsed = EdgeEvent.safeParse(raw);
  expect(parsed.success).toBe(true);
  expect(fast).toBe(raw);
  expect(parsed.data).toEqual(raw);
}

describe("acceptedTelemetry", () => {
  it("takes the usual readings and summaries as they are, without a copy", () => {
    for (const raw of [
      reading(),
      reading({ location: undefined }),
      reading({ unit: "" }),
      reading({ excursionWindow: true }),
      reading({ summary }),
      reading({ occurredAt: "2026-12-04T11:00:00.5+01:00" }),
    ]) {
      const json = JSON.parse(JSON.stringify(raw)) as unknown;
      expect(acceptedTelemetry(json)).toBe(json);
      expectNoLooserThanSchema(json);
    }
  });

  it.each([
    ["NaN", reading({ value: Number.NaN })],
    ["Infinity", reading({ value: Number.POSITIVE_INFINITY })],
    ["a number as text", reading({ value: "4.5" })],
    ["a number in exponent text", reading({ value: "1e3" })],
    ["a boolean value", reading({ value: true })],
    ["a null value", reading({ value: null })],
    ["a numeric id", reading({ id: 42 })],
    ["an id that is no UUID", reading({ id: "not-a-uuid" })],
    ["an empty device", reading({ deviceId: "" })],
    ["an oversize device", reading({ deviceId: "d".repeat(65) })],
    ["an oversize metric", reading({ metric: "m".repeat(129) })],
    ["an oversize unit", reading({ unit: "u".repeat(17) })],
    ["an oversize location", reading({ location: `DEMO/COLD/${"b".repeat(200)}` })],
    ["a location of another form", reading({ location: "cold room" })],
    ["a date without a zone", reading({ occurredAt: "2026-12-04T10:00:00" })],
    ["a date that does not exist", reading({ occurredAt: "2026-02-30T10:00:00Z" })],
    ["a time as a number", reading({ occurredAt: 1_796_000_000_000 })],
    ["another kind", reading({ kind: "movement" })],
    ["an unknown key", reading({ extra: 1 })],
    ["a summary outside its range", reading({ summary: { ...summary, min: 5 } })],
    ["a summary with a fractional count", reading({ summary: { ...summary, count: 1.5 } })],
    ["a summary with an unsafe count", reading({ summary: { ...summary, count: 2 ** 60 } })],
    ["a summary flagged as a window reading", reading({ summary, excursionWindow: true })],
    ["an excursion flag as text", reading({ excursionWindow: "true" })],
    ["an array", [reading()]],
    ["null", null],
  ])("leaves %s to the schema, which refuses it", (_name, raw) => {
    expect(acceptedTelemetry(raw)).toBeUndefined();
    expect(EdgeEvent.safeParse(raw).success).toBe(false);
  });

  it.each([
    ["__proto__", '{"__proto__":{"polluted":true}}'],
    ["constructor", '{"constructor":{"prototype":{"polluted":true}}}'],
    ["prototype", '{"prototype":{"polluted":true}}'],
  ])("leaves a %s key to the schema, which refuses it", (_name, extra) => {
    const text = JSON.stringify(reading()).replace(/}$/, `,${extra.slice(1)}`);
    const raw = JSON.parse(text) as unknown;
    expect(acceptedTelemetry(raw)).toBeUndefined();
    expect(EdgeEvent.safeParse(raw).success).toBe(false);
    const inSummary = JSON.parse(
      JSON.stringify(reading({ summary })).replace('"count":12', `"count":12,${extra.slice(1, -1)}`),
    );
    expect(acceptedTelemetry(inSummary)).toBeUndefined();
    expect(EdgeEvent.safeParse(inSummary).success).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("leaves what JSON does not make to the schema: class instances, null prototypes, operator ids", () => {
    class Reading {
      constructor(values: Record<string, unknown>) {
        Object.assign(this, values);
      }
    }
    expect(acceptedTelemetry(new Reading(reading()))).toBeUndefined();
    expect(acceptedTelemetry(Object.assign(Object.create(null), reading()))).toBeUndefined();
    expect(acceptedTelemetry(reading({ operatorId: "op-1" }))).toBeUndefined();
    expect(EdgeEvent.safeParse(reading({ operatorId: "op-1" })).success).toBe(true);
  });

  /** A valid event with one thing changed: a key given a hostile value, added or taken away. */
  const hostile = fc.oneof(
    fc.anything(),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e308, 2 ** 53, 0.1, -1, 86_401, 10_000_001, "", "1e3"),
    fc.string({ maxLength: 300 }),
    fc.constantFrom("a".repeat(16), "a".repeat(17), "a".repeat(64), "a".repeat(65), "a".repeat(128), "a".repeat(129)),
  );
  const keys = fc.constantFrom(...TELEMETRY_KEYS, "operatorId", "__proto__", "constructor", "extra");
  const base = fc.record({
    location: fc.boolean(),
    summary: fc.boolean(),
    window: fc.boolean(),
    value: fc.double({ min: -50, max: 50, noNaN: true }),
  });
  const mutated = fc
    .tuple(
      base,
      keys,
      hostile,
      fc.constantFrom("set", "delete", "summary"),
      fc.constantFrom("periodS", "min", "max", "count", "x"),
    )
    .map(([b, key, value, how, summaryKey]) => {
      const raw = reading({ value: b.value });
      if (!b.location) delete raw.location;
      if (b.summary) raw.summary = { periodS: 60, min: b.value - 1, max: b.value + 1, count: 3 };
      if (b.window) raw.excursionWindow = true;
      if (how === "set") Object.defineProperty(raw, key, { value, enumerable: true, writable: true });
      else if (how === "delete") delete raw[key];
      else if (isRecord(raw.summary)) raw.summary[summaryKey] = value;
      return raw;
    });

  it("never accepts what the schema refuses, nor changes what it accepts (property)", () => {
    fc.assert(
      fc.property(mutated, (raw) => {
        expectNoLooserThanSchema(raw);
        let json: unknown;
        try {
          json = JSON.parse(JSON.stringify(raw));
        } catch {
          return;
        }
        expectNoLooserThanSchema(json);
        // What JSON makes and the schema accepts (without an operator id) takes the fast way.
        if (EdgeEvent.safeParse(json).success && isRecord(json) && !("operatorId" in json)) {
          expect(acceptedTelemetry(json)).toBe(json);
        }
      }),
      { numRuns: Number(process.env.TALLY_FUZZ_RUNS ?? 2000) },
    );
  });
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
