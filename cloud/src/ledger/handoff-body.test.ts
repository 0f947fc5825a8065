import { randomUUID } from "node:crypto";
import type { Telemetry } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { decodeHandoffBody, encodeHandoffBody } from "./handoff-body.js";

function reading(overrides: Partial<Telemetry> = {}): Telemetry {
  return {
    kind: "telemetry",
    id: randomUUID(),
    siteId: "S1",
    occurredAt: "2026-12-01T10:00:00.000Z",
    deviceId: "temp-1",
    metric: "temperature",
    value: 4.5,
    unit: "Cel",
    location: "S1/COLD/01",
    ...overrides,
  };
}

describe("telemetry hand-off body", () => {
  it("gives back the same events in the same order, whatever their fields", () => {
    const events: Telemetry[] = [
      reading(),
      reading({ deviceId: "temp-2", value: -0.25, occurredAt: "2026-12-01T11:00:00+02:00" }),
      reading({ location: undefined }),
      reading({ location: "S1/COLD/02" }),
      reading({ unit: "", metric: "humidity", value: 1e-7 }),
      reading({ siteId: "S2", location: "S2/A/1" }),
      reading({ summary: { periodS: 60, min: 2, max: 7, count: 6 }, value: 4 }),
      reading({ excursionWindow: true }),
      reading({ excursionWindow: false }),
      reading({ metric: "count:SKU-1", operatorId: "op-7", value: 12, unit: "" }),
      reading(),
    ];
    // The schema's optional fields are absent, not undefined, in what the ingest commits.
    delete events[2]?.location;
    const { body, ids } = encodeHandoffBody(events);
    expect(ids).toEqual(events.map((e) => e.id));
    const decoded = decodeHandoffBody(body);
    expect(decoded).toEqual(events);
    // Strictly: no key the event did not have (toEqual overlooks a key set to undefined).
    expect(decoded.map((e) => Object.keys(e).sort())).toEqual(events.map((e) => Object.keys(e).sort()));
  });

  it("keeps a series' names once however many readings name it", () => {
    const events = Array.from({ length: 1000 }, (_, i) => reading({ deviceId: `temp-${i % 4}`, value: i }));
    const { body } = encodeHandoffBody(events);
    expect(body.split('"temperature"').length - 1).toBe(4);
    // Well under the array of events it stands for.
    expect(body.length).toBeLessThan(JSON.stringify(events).length / 2);
    expect(decodeHandoffBody(body)).toEqual(events);
  });

  it("reads a row written as an array of events (before this form)", () => {
    const events = [reading(), reading({ summary: { periodS: 60, min: 1, max: 2, count: 3 }, value: 1.5 })];
    expect(decodeHandoffBody(JSON.stringify(events))).toEqual(events);
  });

  it("holds an empty batch and refuses a form it does not know", () => {
    expect(decodeHandoffBody(encodeHandoffBody([]).body)).toEqual([]);
    expect(() => decodeHandoffBody('{"v":3}')).toThrow(/unknown form/);
  });
});
