import type { Movement } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import type { Alert } from "../alerts/alert.js";
import { negativeStockTasks } from "./negative-stock-tasks.js";
import { negativeStockKey } from "./stock-rules.js";

const pick = (id: string, overrides: Partial<Movement> = {}): Movement => ({
  kind: "movement",
  id,
  siteId: "S1",
  occurredAt: "2026-12-04T10:00:00.000Z",
  movementType: "PICK",
  sku: "BOLT",
  qty: 2,
  from: "S1/PICK/P1",
  evidence: { deviceId: "scanner-1", observationIds: ["scan-1"], operatorId: "op-3" },
  confidence: 1,
  ...overrides,
});

const raised = (sku: string, location: string, lot = "", value = -2): Alert =>
  ({
    id: "a1",
    dedupKey: negativeStockKey(sku, location, lot),
    kind: "NEGATIVE_STOCK",
    severity: "warning",
    status: "pending",
    siteId: "S1",
    location,
    sku,
    message: "negative",
    value,
    limit: 0,
    raisedAt: "2026-12-04T10:00:00.000Z",
  }) as Alert;

describe("negativeStockTasks", () => {
  it("opens a COUNT_MISMATCH task for the batch's last movement out of the position that went negative", () => {
    const tasks = negativeStockTasks(
      [raised("BOLT", "S1/PICK/P1")],
      [pick("m1"), pick("m2", { to: "S1/PICK/P2", from: undefined, movementType: "RECEIPT" }), pick("m3")],
    );
    expect(tasks).toEqual([
      expect.objectContaining({
        taskType: "COUNT_MISMATCH",
        location: "S1/PICK/P1",
        sku: "BOLT",
        priority: "high",
        detail: expect.stringMatching(/^PICK of 2 BOLT from S1\/PICK\/P1 left the ledger at -2: count the location/),
        evidence: { deviceId: "scanner-1", observationIds: ["m3"], operatorId: "op-3" },
      }),
    ]);
  });

  it("matches the lot, and derives the task id from the movement's (a resend opens none twice)", () => {
    const ms = [pick("m1", { lot: "L1" }), pick("m2", { lot: "L2" })];
    const [task] = negativeStockTasks([raised("BOLT", "S1/PICK/P1", "L1")], ms);
    expect(task?.evidence.observationIds).toEqual(["m1"]);
    expect(negativeStockTasks([raised("BOLT", "S1/PICK/P1", "L1")], ms)[0]?.id).toBe(task?.id);
  });

  it("opens nothing for other alerts or for a raise no movement of the batch explains", () => {
    const low = { ...raised("BOLT", "S1/PICK/P1"), kind: "LOW_STOCK", dedupKey: "LOW_STOCK:BOLT@S1/PICK/P1" } as Alert;
    expect(negativeStockTasks([low], [pick("m1")])).toEqual([]);
    expect(negativeStockTasks([raised("NUT", "S1/PICK/P1")], [pick("m1")])).toEqual([]);
  });
});
