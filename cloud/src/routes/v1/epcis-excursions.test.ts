import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { excursionSensorElement } from "../../epcis/excursion-sensors.js";
import type { ExcursionRecord } from "../../excursions/excursion-record.js";
import { batch, bearer, condition, movement, TEST_TOKENS, testApp } from "../../testing/fixtures.js";

let app: FastifyInstance;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ app, dispose } = await testApp());
});
afterEach(async () => {
  await dispose();
});

const at = (minutes: number) => new Date(Date.parse("2026-11-22T08:00:00.000Z") + minutes * 60_000).toISOString();

async function ingest(events: unknown[]) {
  const res = await app.inject({
    method: "POST",
    url: "/v1/ingest",
    payload: batch(events),
    headers: bearer(TEST_TOKENS.edge),
  });
  expect(res.json().rejected).toEqual([]);
}

type Event = { "tally:movementId": string; sensorElementList?: Record<string, unknown>[] };

describe("EPCIS export of movements of stock at risk", () => {
  it("carries the excursion as a sensor element on movements of its stock during and after it, not before", async () => {
    const epc = "urn:epc:id:sgtin:0614141.107346.2017";
    const before = movement({ sku: "PEAS", lot: "L1", qty: 10, to: "S1/COLD/01", occurredAt: at(0) });
    const unit = movement({ sku: "VAX", lot: "V1", qty: 1, epc, to: "S1/COLD/01", occurredAt: at(1) });
    const otherUnit = movement({ sku: "VAX", lot: "V1", qty: 1, epc: `${epc}9`, to: "S1/A/01", occurredAt: at(2) });
    const during = movement({ sku: "PEAS", lot: "L1", qty: 4, from: "S1/COLD/01", to: "S1/A/01", occurredAt: at(90) });
    const after = movement({ sku: "PEAS", lot: "L1", qty: 6, from: "S1/COLD/01", occurredAt: at(300) });
    const otherLot = movement({ sku: "PEAS", lot: "L2", qty: 3, to: "S1/A/02", occurredAt: at(300) });
    const unitLater = movement({ sku: "VAX", lot: "V1", qty: 1, epc, from: "S1/COLD/01", occurredAt: at(310) });
    const otherUnitLater = movement({
      sku: "VAX",
      lot: "V1",
      qty: 1,
      epc: `${epc}9`,
      from: "S1/A/01",
      occurredAt: at(310),
    });
    await ingest([before, unit, otherUnit, during, after, otherLot, unitLater, otherUnitLater]);
    const excursion = {
      startedAt: at(60),
      side: "above" as const,
      limit: 8,
      peak: 11.5,
      durationS: 3600,
      degreeMinutes: 80,
      unknownS: 0,
      graceS: 300,
      hysteresisC: 0.5,
    };
    await ingest([
      condition({ occurredAt: at(65), excursion }),
      condition({ state: "cleared", occurredAt: at(120), excursion: { ...excursion, endedAt: at(120) } }),
    ]);

    const res = await app.inject({ url: "/v1/epcis/events", headers: bearer(TEST_TOKENS.viewer) });
    expect(res.statusCode).toBe(200);
    const events = res.json().epcisBody.eventList as Event[];
    const sensorsOf = (id: string) => events.find((e) => e["tally:movementId"] === id)?.sensorElementList;
    for (const m of [before, unit, otherUnit, otherLot, otherUnitLater]) expect(sensorsOf(m.id)).toBeUndefined();
    const element = {
      sensorMetadata: {
        time: at(120),
        startTime: at(60),
        endTime: at(120),
        deviceID: "urn:tally:device:temp-1",
      },
      sensorReport: [
        expect.objectContaining({ type: "gs1:Temperature", uom: "CEL", maxValue: 11.5, exception: "ALARM_CONDITION" }),
      ],
    };
    for (const m of [during, after, unitLater]) expect(sensorsOf(m.id)).toEqual([element]);
  });
});

describe("excursionSensorElement", () => {
  it("reports an excursion below its range by its minimum, and an open one without an end", () => {
    const record: ExcursionRecord = {
      id: "x1",
      siteId: "S1",
      deviceId: "f1",
      status: "open",
      startedAt: at(0),
      raisedAt: at(5),
      side: "below",
      limit: -18,
      peak: -12,
      durationS: 600,
      degreeMinutes: 30,
      unknownS: 0,
      graceS: 300,
      hysteresisC: 0.5,
    };
    const element = excursionSensorElement(record);
    expect(element.sensorMetadata).toEqual({ time: at(5), startTime: at(0), deviceID: "urn:tally:device:f1" });
    expect(element.sensorReport).toEqual([
      expect.objectContaining({ minValue: -12, exception: "ALARM_CONDITION", "tally:limit": -18 }),
    ]);
  });
});
