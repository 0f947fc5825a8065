import type { Telemetry } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { countOutcome, REVIEW_EVERY_COUNT } from "./count-outcome.js";

const count = (value: number, overrides: Partial<Telemetry> = {}): Telemetry => ({
  kind: "telemetry",
  id: "0193a000-0000-7000-8000-000000000001",
  siteId: "S1",
  occurredAt: "2026-12-04T10:00:00.000Z",
  deviceId: "scanner-2",
  metric: "count:BOLT",
  value,
  unit: "ea",
  location: "S1/PICK/P1",
  ...overrides,
});

describe("countOutcome", () => {
  it("does nothing when the count agrees with the ledger, however the units are split in lots", () => {
    const positions = [
      { lot: "L1", qty: 4 },
      { lot: "L2", qty: 2 },
    ];
    expect(countOutcome(count(6), positions, { autoCorrectUnits: 5 })).toEqual({ kind: "agrees" });
  });

  it("makes every difference a COUNT_MISMATCH task under the default policy, with both figures", () => {
    const outcome = countOutcome(count(5, { operatorId: "op-1" }), [{ lot: "", qty: 6 }], REVIEW_EVERY_COUNT);
    expect(outcome).toMatchObject({
      kind: "review",
      task: {
        taskType: "COUNT_MISMATCH",
        location: "S1/PICK/P1",
        sku: "BOLT",
        detail: "counted 5 BOLT at S1/PICK/P1; the ledger has 6",
        evidence: { deviceId: "scanner-2", observationIds: [count(5).id], operatorId: "op-1" },
      },
    });
  });

  it("corrects a shortfall within the policy with a COUNT movement out of the one lot there", () => {
    const outcome = countOutcome(count(4), [{ lot: "L1", qty: 6 }], { autoCorrectUnits: 2 });
    expect(outcome).toMatchObject({
      kind: "correct",
      movement: { movementType: "COUNT", sku: "BOLT", qty: 2, from: "S1/PICK/P1", lot: "L1", confidence: 1 },
    });
    expect(outcome.kind === "correct" && outcome.movement.to).toBeUndefined();
  });

  it("corrects a surplus into the location, lotless when the ledger has nothing there", () => {
    const outcome = countOutcome(count(1), [], { autoCorrectUnits: 1 });
    expect(outcome).toMatchObject({ kind: "correct", movement: { qty: 1, to: "S1/PICK/P1" } });
    expect(outcome.kind === "correct" && outcome.movement.lot).toBeUndefined();
  });

  it("ignores empty lots when deciding whether the stock is in one lot", () => {
    const outcome = countOutcome(
      count(5),
      [
        { lot: "L1", qty: 0 },
        { lot: "L2", qty: 6 },
      ],
      { autoCorrectUnits: 1 },
    );
    expect(outcome).toMatchObject({ kind: "correct", movement: { from: "S1/PICK/P1", lot: "L2", qty: 1 } });
  });

  it("sends a difference beyond the policy, or stock in several lots, to a person", () => {
    expect(countOutcome(count(3), [{ lot: "", qty: 6 }], { autoCorrectUnits: 2 }).kind).toBe("review");
    const lots = [
      { lot: "L1", qty: 4 },
      { lot: "L2", qty: 2 },
    ];
    expect(countOutcome(count(5), lots, { autoCorrectUnits: 5 }).kind).toBe("review");
  });

  it("derives the movement's and the task's ids from the count, so a resent count posts nothing new", () => {
    const a = countOutcome(count(4), [{ lot: "", qty: 6 }], { autoCorrectUnits: 2 });
    const b = countOutcome(count(4), [{ lot: "", qty: 6 }], { autoCorrectUnits: 2 });
    const other = countOutcome(count(4, { id: "0193a000-0000-7000-8000-000000000002" }), [{ lot: "", qty: 6 }], {
      autoCorrectUnits: 2,
    });
    expect(a.kind === "correct" && b.kind === "correct" && a.movement.id === b.movement.id).toBe(true);
    expect(a.kind === "correct" && other.kind === "correct" && a.movement.id !== other.movement.id).toBe(true);
  });
});
