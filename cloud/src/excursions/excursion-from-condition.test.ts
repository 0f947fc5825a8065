import type { Condition, Excursion } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { atRiskMessage } from "./at-risk-message.js";
import {
  closeExcursion,
  type ExcursionFact,
  excursionFact,
  excursionId,
  mergeExcursion,
} from "./excursion-from-condition.js";
import type { ExcursionRecord } from "./excursion-record.js";

const excursion: Excursion = {
  startedAt: "2026-03-01T10:00:00.000Z",
  side: "above",
  limit: 8,
  peak: 9.5,
  durationS: 300,
  degreeMinutes: 4,
  unknownS: 0,
  graceS: 300,
  hysteresisC: 0.5,
};

const condition = (state: "raised" | "cleared", extra: Partial<Condition> = {}): Condition => ({
  kind: "condition",
  id: "0190a000-0000-7000-8000-000000000001",
  siteId: "S1",
  occurredAt: "2026-03-01T10:05:00.000Z",
  conditionType: "TEMPERATURE_EXCURSION",
  state,
  key: "TEMPERATURE_EXCURSION:t1",
  deviceId: "t1",
  location: "S1/CHILL/B1",
  value: 9.5,
  limit: 8,
  detail: "too warm",
  ...extra,
});

const recordOf = (fact: ExcursionFact | undefined): ExcursionRecord => {
  if (fact?.kind !== "record") throw new Error("expected a record");
  return fact.record;
};

const raised = recordOf(excursionFact(condition("raised", { excursion }), "alert-1"));
const cleared = recordOf(
  excursionFact(
    condition("cleared", {
      occurredAt: "2026-03-01T10:40:00.000Z",
      excursion: { ...excursion, endedAt: "2026-03-01T10:40:00.000Z", durationS: 2400, peak: 12, degreeMinutes: 90 },
    }),
    undefined,
  ),
);

describe("excursion records from conditions", () => {
  it("makes an open record from a raise, with its zone and alert", () => {
    expect(raised).toMatchObject({
      id: excursionId("S1", "t1", "2026-03-01T10:00:00Z"),
      status: "open",
      zone: "CHILL",
      raisedAt: "2026-03-01T10:05:00.000Z",
      alertId: "alert-1",
    });
    expect(raised.endedAt).toBeUndefined();
  });

  it("ends as one closed record whatever the order, and the same again when resent", () => {
    const inOrder = mergeExcursion(mergeExcursion(undefined, raised), cleared);
    const reordered = mergeExcursion(mergeExcursion(undefined, cleared), raised);
    const resent = mergeExcursion(mergeExcursion(inOrder, raised), cleared);
    for (const record of [inOrder, reordered, resent]) {
      expect(record).toMatchObject({
        status: "closed",
        endedAt: "2026-03-01T10:40:00.000Z",
        peak: 12,
        durationS: 2400,
        raisedAt: "2026-03-01T10:05:00.000Z",
        alertId: "alert-1",
      });
    }
    expect(reordered).toEqual(inOrder);
  });

  it("guesses the raise from the grace when only the clear came", () => {
    expect(cleared.raisedAt).toBe("2026-03-01T10:05:00.000Z");
  });

  it("keeps the longer of two open records (a later raise resent after an earlier one)", () => {
    const longer = { ...raised, durationS: 600 };
    expect(mergeExcursion(longer, raised).durationS).toBe(600);
  });

  it("makes a record of an older edge's raise without `excursion`, and closes it on its clear", () => {
    const old = recordOf(excursionFact(condition("raised", { value: 1.2, limit: 2 }), undefined));
    expect(old).toMatchObject({
      status: "open",
      startedAt: "2026-03-01T10:05:00.000Z",
      side: "below",
      peak: 1.2,
      limit: 2,
    });
    const fact = excursionFact(condition("cleared", { occurredAt: "2026-03-01T10:15:00.000Z" }), undefined);
    expect(fact).toEqual({ kind: "closes", siteId: "S1", deviceId: "t1", endedAt: "2026-03-01T10:15:00.000Z" });
    expect(closeExcursion(old, "2026-03-01T10:15:00.000Z")).toMatchObject({ status: "closed", durationS: 600 });
  });

  it("ignores other conditions", () => {
    expect(excursionFact(condition("raised", { conditionType: "DEVICE_SILENT" }), undefined)).toBeUndefined();
  });

  it("names the lots at risk in the alert's message", () => {
    const message = atRiskMessage(cleared, [
      { sku: "PEAS", lot: "L1", quantity: 20, locations: ["S1/CHILL/B1"] },
      { sku: "PEAS", lot: "L1", epc: "urn:x", quantity: 1, locations: ["S1/CHILL/B2"] },
      { sku: "BEANS", quantity: 3, locations: ["S1/CHILL/B1"] },
    ]);
    expect(message).toContain("at risk: PEAS lot L1 ×21, BEANS ×3");
    expect(atRiskMessage(raised, [])).toContain("no stock at risk");
  });
});
