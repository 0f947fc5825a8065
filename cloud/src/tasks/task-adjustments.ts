import type { Movement, TaskOutcome } from "@tally/protocols";
import { CLOUD_SOURCE } from "../ledger/cloud-source.js";
import { derivedId } from "../ledger/derived-id.js";
import { siteOf } from "../ledger/stock-rules.js";

/**
 * The ADJUSTMENT movements an outcome posts, one per adjustment, at `now`.
 * Their ids derive from the task's id and the adjustment's place, so a
 * completion that runs twice posts each one once (the second is a duplicate).
 */
export function taskAdjustments(taskId: string, outcome: TaskOutcome, now: string): Movement[] {
  if (outcome.outcome !== "adjusted") return [];
  return outcome.adjustments.map(
    (a, i): Movement => ({
      kind: "movement",
      id: adjustmentId(taskId, i),
      siteId: siteOf(a.location),
      occurredAt: now,
      movementType: "ADJUSTMENT",
      sku: a.sku,
      qty: Math.abs(a.qty),
      ...(a.qty > 0 ? { to: a.location } : { from: a.location }),
      ...(a.lot !== undefined && { lot: a.lot }),
      evidence: { deviceId: CLOUD_SOURCE, observationIds: [taskId] },
      confidence: 1,
    }),
  );
}

/** The batch id a task's adjustments are committed under (one per task, so a retry names the same batch). */
export function adjustmentBatchId(taskId: string): string {
  return derivedId(`task:${taskId}`);
}

/** The id of a task's `index`th adjustment. */
export function adjustmentId(taskId: string, index: number): string {
  return derivedId(`task:${taskId}:adjustment:${index}`);
}
