import type { CorrectionTask, Movement, Telemetry } from "@tally/protocols";
import { derivedId } from "./derived-id.js";

/**
 * What a cycle count may change by itself: a difference of at most
 * `autoCorrectUnits` units (0: none, every difference goes to a person).
 */
export interface CountPolicy {
  autoCorrectUnits: number;
}

/** Every difference is a COUNT_MISMATCH task: the default. */
export const REVIEW_EVERY_COUNT: CountPolicy = { autoCorrectUnits: 0 };

/** The ledger's units of the counted SKU at the counted location, per lot ('' for units without a lot). */
export interface CountedPosition {
  lot: string;
  qty: number;
}

/** What one count does to the ledger. */
export type CountOutcome =
  | { kind: "agrees" }
  | { kind: "correct"; movement: Movement }
  | { kind: "review"; task: CorrectionTask };

/**
 * Compares a count (`count:<sku>` telemetry at a location) with the ledger's
 * positions there. Agreement does nothing. A small difference (at most the
 * policy's units) where the stock is in at most one lot is corrected by a
 * COUNT movement for the difference, in or out of that lot, with the count as
 * its evidence. Anything else — a larger difference, or units in several lots
 * where the count cannot say which lot is wrong — is a COUNT_MISMATCH task
 * with both figures. Ids derive from the count's, so a resent count posts
 * nothing twice.
 */
export function countOutcome(
  count: Telemetry,
  positions: readonly CountedPosition[],
  policy: CountPolicy,
): CountOutcome {
  const sku = count.metric.slice("count:".length);
  const location = count.location ?? "";
  const held = positions.filter((p) => p.qty !== 0);
  const recorded = held.reduce((n, p) => n + p.qty, 0);
  const difference = count.value - recorded;
  if (difference === 0) return { kind: "agrees" };
  const evidence = {
    deviceId: count.deviceId,
    observationIds: [count.id],
    ...(count.operatorId !== undefined && { operatorId: count.operatorId }),
  };
  const [only] = held;
  if (Number.isInteger(difference) && Math.abs(difference) <= policy.autoCorrectUnits && held.length <= 1) {
    const lot = only?.lot ?? "";
    return {
      kind: "correct",
      movement: {
        kind: "movement",
        id: derivedId(`count-correction:${count.id}`),
        siteId: count.siteId,
        occurredAt: count.occurredAt,
        movementType: "COUNT",
        sku,
        qty: Math.abs(difference),
        ...(difference > 0 ? { to: location } : { from: location }),
        ...(lot !== "" && { lot }),
        evidence,
        confidence: 1,
      },
    };
  }
  return {
    kind: "review",
    task: {
      kind: "task",
      id: derivedId(`count-mismatch:${count.id}`),
      siteId: count.siteId,
      occurredAt: count.occurredAt,
      taskType: "COUNT_MISMATCH",
      location,
      sku,
      priority: "high",
      detail: `counted ${count.value} ${sku} at ${location}; the ledger has ${recorded}`,
      evidence,
    },
  };
}
