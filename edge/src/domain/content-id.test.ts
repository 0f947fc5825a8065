import { EdgeEvent, type Movement, type Telemetry } from "@tally/protocols";
import { v5 as uuidv5 } from "uuid";
import { describe, expect, it } from "vitest";
import { EVENT_NAMESPACE, eventJson, nameBasedId, withContentId } from "./content-id.js";

const movement: Movement = {
  kind: "movement",
  id: "0190c7e4-0000-7000-8000-000000000001",
  siteId: "WH1",
  occurredAt: "2026-11-22T10:00:00.000Z",
  movementType: "RECEIPT",
  sku: "WIDGET",
  qty: 1,
  to: "WH1/DOCK/D1",
  evidence: { deviceId: "DOCK-1", observationIds: ["DOCK-1/2026-11-22T10:00:00.000Z/0"] },
  confidence: 1,
};

describe("eventJson", () => {
  const { id: _id, ...content } = movement;
  const summary: Telemetry = {
    kind: "telemetry",
    id: "0190c7e4-0000-7000-8000-000000000004",
    siteId: "WH1",
    occurredAt: "2026-11-22T10:00:00.000Z",
    deviceId: "temp-1",
    metric: "temperature",
    value: 4.5,
    unit: "°C",
    summary: { periodS: 60, min: 4, max: 5, count: 6 },
  };
  const reading: Telemetry = { ...summary, summary: undefined, excursionWindow: true };

  it("is the text JSON.stringify makes of an event withContentId made, whatever its kind", () => {
    for (const event of [movement, summary, reading]) {
      const named = withContentId(event);
      expect(eventJson(named)).toBe(JSON.stringify(named));
    }
    expect(eventJson(movement)).toBe(JSON.stringify(movement));
  });

  it("leaves the ids as they were: derived from the content's JSON text without the id", () => {
    expect(withContentId(movement).id).toBe(nameBasedId(JSON.stringify(content)));
  });
});

describe("withContentId", () => {
  it("gives the same content the same valid event id, whatever random id it had", () => {
    const a = withContentId(movement);
    const b = withContentId({ ...movement, id: "0190c7e4-0000-7000-8000-000000000002" });
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(movement.id);
    expect(EdgeEvent.safeParse(a).success).toBe(true);
    expect({ ...a, id: movement.id }).toEqual(movement);
  });

  it("gives different content different ids", () => {
    const ids = new Set([
      withContentId(movement).id,
      withContentId({ ...movement, qty: 2 }).id,
      withContentId({ ...movement, occurredAt: "2026-11-22T10:00:00.001Z" }).id,
      withContentId({ ...movement, to: "WH1/DOCK/D2" }).id,
    ]);
    expect(ids.size).toBe(4);
  });

  it("names a temperature summary by its sensor and period: a replay's partial summary gets the sent one's id", () => {
    const summary: Telemetry = {
      kind: "telemetry",
      id: "0190c7e4-0000-7000-8000-000000000003",
      siteId: "WH1",
      occurredAt: "2026-11-22T10:00:00.000Z",
      deviceId: "temp-1",
      metric: "temperature",
      value: 4.5,
      unit: "°C",
      summary: { periodS: 60, min: 4, max: 5, count: 6 },
    };
    const partial = { ...summary, value: 5, summary: { periodS: 60, min: 5, max: 5, count: 2 } };
    expect(withContentId(partial).id).toBe(withContentId(summary).id);
    expect(withContentId({ ...summary, occurredAt: "2026-11-22T10:01:00.000Z" }).id).not.toBe(
      withContentId(summary).id,
    );
    expect(withContentId({ ...summary, deviceId: "temp-2" }).id).not.toBe(withContentId(summary).id);
    // A full-rate reading keeps its content id: the same reading replayed is the same event.
    const reading: Telemetry = { ...summary, summary: undefined, excursionWindow: true };
    expect(withContentId({ ...reading, value: 5 }).id).not.toBe(withContentId(reading).id);
  });
});

describe("nameBasedId", () => {
  it("is the RFC 9562 version 5 UUID uuid's v5 makes, so ids made before and after stay the same", () => {
    const names = ["", "a", JSON.stringify(movement), "Kühlhaus ❄ 冷凍", "x".repeat(10_000), "\u0000\ud83d\ude00"];
    for (const name of names) expect(nameBasedId(name)).toBe(uuidv5(name, EVENT_NAMESPACE));
  });
});
